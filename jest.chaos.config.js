// `npm run test:chaos`: the slow chaos specs (test/*.chaos-spec.ts), which `npm test` leaves out:
// kill -9 at 24 points per driver, and PostgreSQL stopped for 10 s under load.
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testRegex: 'test/.*\\.chaos-spec\\.ts$',
  testTimeout: 600000,
};
