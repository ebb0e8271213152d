// Lint rules: typescript-eslint's recommended set, plus the house rule that folders talk only through index.ts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-artifacts/**', 'reports/**', '.stryker-tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The loading page's script runs in browsers as a classic script, without a build step.
    files: ['public/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'sessionStorage', 'EventSource', 'setTimeout', 'setInterval', 'clearInterval'].map((g) => [g, 'readonly']),
      ),
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', {
        patterns: [{ regex: '^(\\.\\./)+(?!\\.\\.)(?!src/[^/]+\\.ts$)[^/]+/(?!.*index\\.ts$).+', message: 'import another folder only through its index.ts' }],
      }],
    },
  },
);
