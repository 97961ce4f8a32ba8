// Lint: typescript-eslint's type-aware rules, chiefly the ones that catch a promise nobody waits for and an `any`
// that leaks untyped data into typed code. Formatting is Prettier's job (npm run format), so no style rules here.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'coverage/', 'test/artifacts/', 'bench-results/', 'exported-tenants/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A leading underscore names what is left out on purpose (`const { id: _id, ...rest } = row`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Plain JavaScript (the build script, benchmarks, Jest configs, the image's healthcheck, the browser's upload
    // script) is outside tsconfig, so it has no type information: the rules that do not need it still apply.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    // CommonJS by necessity: Jest's configs and the healthcheck, which the image runs with node alone.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['libs/*/src/**/public/**/*.js'],
    languageOptions: { sourceType: 'script', globals: globals.browser },
  },
  {
    // Tests read supertest's `res.body`, parsed YAML and raw rows in order to assert on them; all are `any` by nature,
    // and an assertion on the wrong shape fails the test anyway. Typing each read would add casts, not safety, so the
    // no-unsafe-* rules are off here alone; no-floating-promises, no-misused-promises and the rest stay on.
    files: ['test/**', '**/*.spec.ts', '**/*.e2e-spec.ts', '**/*.a11y-spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
