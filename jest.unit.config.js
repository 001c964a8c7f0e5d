// `npm run test:unit`: the unit tier alone, every src/**/*.spec.ts, in seconds and with no
// PostgreSQL: none of the global setup that starts or migrates one. `npm test` runs this tier and
// the end-to-end one together (jest.config.js).
const base = { ...require('./jest.config.js') };
delete base.globalSetup;
delete base.globalTeardown;

module.exports = {
  ...base,
  testRegex: 'src/.*\\.spec\\.ts$',
  testTimeout: 30000,
};
