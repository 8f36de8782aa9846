// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

/** Files allowed to import Electron: the thin adapters, the main composition root and the preload. */
const electronAllowed = ['src/main/adapters/**', 'src/main/index.ts', 'src/preload/**'];
const electronImports = [
  {
    name: 'electron',
    message: 'Import Electron only in src/main/adapters/, src/main/index.ts or src/preload/.',
  },
  { name: 'electron-store', message: 'Import electron-store only in src/main/adapters/.' },
  { name: 'electron-updater', message: 'Import electron-updater only in src/main/adapters/.' },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'release/**',
      'test-results/**',
      'playwright-report/**',
      '.data/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // Keep every Electron API behind an adapter so that all main-process logic runs in plain Node tests.
    ignores: electronAllowed,
    rules: {
      'no-restricted-imports': ['error', { paths: electronImports }],
    },
  },
  {
    // The spec-only test client proves that a client written from the spec alone works: it may use packages
    // and its own folder, never the project's code (src/, backend/ or anything else outside e2e/spec-client/).
    files: ['e2e/spec-client/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: electronImports,
          patterns: [
            {
              regex: '^(\\.\\./|/)',
              message:
                'The spec client is written from the spec only: import packages or ./ files, nothing of the project.',
            },
          ],
        },
      ],
    },
  },
);
