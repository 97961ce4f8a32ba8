/**
 * Accessibility checks in a real browser (`npm run test:a11y`): axe-core in the Debian chromium, driven by
 * playwright-core. Separate from `npm test` because it needs /usr/bin/chromium; it skips, saying so, without it.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/a11y'],
  testMatch: ['**/*.a11y-spec.ts'],
  testTimeout: 180000,
  maxWorkers: 1,
};
