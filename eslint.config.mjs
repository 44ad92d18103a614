// Lint rules from STYLE.md: floating promises, type-only imports, import cycles,
// strict equality, and the workflow sandbox (no Node built-ins, no values from src/ or activities/).
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', '.tools/', 'drizzle/', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    plugins: { 'import-x': importX },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js', '.json'] } } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'import-x/no-cycle': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflows run in a deterministic sandbox: no Node built-ins.' },
            { group: ['../src/**', '!../src/domain', '!../src/domain/*'], allowTypeImports: true, message: 'Workflows import only types (or pure src/domain code).' },
            { group: ['../activities', '../activities/*'], allowTypeImports: true, message: 'Workflows import only the types of activities.' },
          ],
        },
      ],
    },
  },
);
