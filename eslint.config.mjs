// Lint: typescript-eslint's type-aware rules, chiefly the ones that catch a promise nobody waits for and an `any`
// that leaks untyped data into typed code. Formatting is Prettier's job (npm run format), so no style rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'coverage/', 'test/artifacts/', 'bench-results/', 'exported-tenants/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
);
