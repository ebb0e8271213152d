// Lint rules: typescript-eslint's recommended set, plus the house rule that folders talk only through index.ts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-artifacts/**', 'public/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', {
        patterns: [{ regex: '^(\\.\\./)+(?!\\.\\.)(?!src/[^/]+\\.ts$)[^/]+/(?!.*index\\.ts$).+', message: 'import another folder only through its index.ts' }],
      }],
    },
  },
);
