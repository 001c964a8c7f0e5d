// Unit tests sit beside the code (src/, *.spec.ts; alone, without a database: jest.unit.config.js,
// `npm run test:unit`); the domain tier's services on a real database under test/medium/
// (*.medium-spec.ts; alone: jest.medium.config.js, `npm run test:medium`); end-to-end and
// multi-instance tests under test/ (*.e2e-spec.ts). The slow chaos specs (test/*.chaos-spec.ts)
// run with `npm run test:chaos`.
module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  testRegex: '(src/.*\\.spec\\.ts|test/medium/.*\\.medium-spec\\.ts|test/.*\\.e2e-spec\\.ts)$',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 120000,
  maxWorkers: 2,
};
