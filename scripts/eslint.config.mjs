// ESLint flat config (run as `eslint -c scripts/eslint.config.mjs`, paths relative to the repo root).
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'public/**', 'coverage/**', 'test-results/**', '.gl/**', '.whl/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.tsx', 'src/app/**/*.ts', 'src/views/**/*.ts', 'src/state/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['scripts/**/*.mjs', 'bench/**/*.{mjs,ts}', 'test/**/*.ts', 'src/cli/**/*.ts', 'src/**/node.ts', 'src/**/*.node.ts', 'vite.config.ts'],
    languageOptions: { globals: globals.node },
  },
  {
    // Browser-side pages outside the app (test pages, the docs' reproductions).
    files: ['docs/**/*.{js,mjs}', 'test/e2e/pages/**/*.ts'],
    languageOptions: { globals: globals.browser },
  },
  {
    // Node scripts that also hand callbacks to page.evaluate / waitForFunction.
    files: ['scripts/**/*.mjs', 'test/e2e/**/*.ts'],
    languageOptions: { globals: { ...globals.node, document: 'readonly', window: 'readonly', navigator: 'readonly' } },
  },
  {
    // The math boundary: no DOM, runtime or rendering libraries (also enforced by a test and tsconfig).
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['react', 'react-*', 'onnxruntime-*', '@huggingface/*', 'comlink', 'd3-selection', 'd3', 'node:*', 'zustand'], message: 'src/core is pure math: no runtime, DOM or UI imports.' },
          ],
        },
      ],
    },
  },
);
