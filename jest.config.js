/** Jest runs TypeScript through swc; NestJS 12 and pg-boss 12 (with its dependencies) are ESM, so swc transpiles them too (see STACK.md). */
const swc = JSON.parse(require('fs').readFileSync(`${__dirname}/.swcrc`, 'utf8'));

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test', '<rootDir>/migrations'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', { ...swc, swcrc: false, sourceMaps: 'inline' }],
  },
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|@apidevtools|openid-client|oauth4webapi|jose|content-disposition|@fastify/cookie|cookie|intl-messageformat|@formatjs|pg-boss|rrule-temporal|serialize-error|non-error|temporal-spec)/)',
  ],
  moduleNameMapper: {
    '^@consilium/core/operator-data$': '<rootDir>/libs/core/src/operator-data/index.ts',
    '^@consilium/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
