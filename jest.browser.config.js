/**
 * Whole journeys in a real browser (`npm run test:journey`): playwright-core driving the Debian chromium against the
 * platform with every lib mounted, screenshots of each step under test/artifacts/journey/. Skips, saying so,
 * without /usr/bin/chromium.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/browser'],
  testMatch: ['**/*.browser-spec.ts'],
  testTimeout: 600000,
  maxWorkers: 1,
};
