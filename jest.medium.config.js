// `npm run test:medium`: the domain tier alone, every test/medium/*.medium-spec.ts: services and
// repository classes in a Nest testing module, on a clone of the migrated template database (the
// same global setup as `npm test`), with no HTTP server. No build needed.
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testRegex: 'test/medium/.*\\.medium-spec\\.ts$',
  testTimeout: 60000,
};
