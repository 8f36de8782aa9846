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

/**
 * The layers, bottom to top, and what each may not import. An import string names its target relative to
 * the importing file, so every pattern matches a folder name after any number of `../`.
 *
 *   backend:  shared < domain < db < services < sfu < http, socket < startup, app.ts, server.ts
 *   renderer: shared < webrtc (no React), store < signaling < call < features (not each other) < app;
 *             platform/ and ui/ stand aside: no layer below features imports them
 *   shared:   pure TypeScript + zod: no DOM, no Node, no Electron, nothing of the processes
 *
 * docs/architecture.md draws the same picture.
 */
const folders = (names) => ({ regex: `^(\\./|(\\.\\./)+)(${names.join('|')})(/|\\.ts$)` });
const layerRule = (...patterns) => ['error', { paths: electronImports, patterns }];
/** What `layer` (backend or renderer) may not import: the folders above it and those beside it. */
const noImportsOf = (names, layer) => ({
  ...folders(names),
  message: `${layer} imports none of ${names.join(', ')}: see the layers in docs/architecture.md.`,
});
const NODE_BUILTINS = [
  'node:*',
  'fs',
  'path',
  'os',
  'crypto',
  'http',
  'https',
  'net',
  'child_process',
  'url',
];
const REACT = ['react', 'react/*', 'react-dom', 'react-dom/*', 'zustand', 'zustand/*'];
/** Browser globals that must not appear in code shared with Node (types of the DOM are fine). */
const DOM_GLOBALS = ['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'location'];
const NODE_GLOBALS = ['process', 'Buffer', 'require', '__dirname', '__filename', 'global'];

const layerConfigs = [
  {
    files: ['backend/src/domain/**'],
    rules: {
      'no-restricted-imports': layerRule(
        {
          // Only siblings, the shared wire contract (three folders up) and packages such as zod.
          regex: '^\\.\\./(?!\\.\\./\\.\\./src/shared/)',
          message: 'The domain depends on nothing but src/shared: it holds rules, not I/O.',
        },
        { group: NODE_BUILTINS, message: 'The domain is pure: no Node APIs.' },
      ),
    },
  },
  {
    files: ['backend/src/db/**'],
    rules: {
      'no-restricted-imports': layerRule(
        noImportsOf(['services', 'sfu', 'http', 'socket', 'startup', 'auth', 'app', 'server'], 'db'),
      ),
    },
  },
  {
    files: ['backend/src/services/**'],
    rules: {
      'no-restricted-imports': layerRule(
        noImportsOf(['sfu', 'http', 'socket', 'startup', 'app', 'server'], 'services'),
      ),
    },
  },
  {
    files: ['backend/src/sfu/**'],
    rules: {
      'no-restricted-imports': layerRule(noImportsOf(['http', 'socket', 'startup', 'app', 'server'], 'sfu')),
    },
  },
  {
    files: ['backend/src/http/**', 'backend/src/socket/**'],
    rules: {
      'no-restricted-imports': layerRule(noImportsOf(['startup', 'app', 'server'], 'http and socket')),
    },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': layerRule(
        {
          // Relative imports inside src/shared (its protocol/ subfolders) are fine; leaving it is not.
          regex: '^(\\.\\./)+(main|preload|renderer|backend|src)/',
          message: 'src/shared is imported by every process and imports none of them.',
        },
        { group: [...NODE_BUILTINS, ...REACT], message: 'src/shared runs everywhere: no Node, no React.' },
      ),
      'no-restricted-globals': ['error', ...DOM_GLOBALS, ...NODE_GLOBALS],
    },
  },
  {
    files: ['src/renderer/webrtc/**'],
    rules: {
      'no-restricted-imports': layerRule(
        {
          group: REACT,
          message: 'The WebRTC engine has no React: it owns media and dispatches plain state.',
        },
        {
          ...folders(['app', 'features', 'ui', 'store', 'call', 'signaling', 'platform']),
          message: 'The WebRTC engine sits below the rest of the renderer: it imports only src/shared.',
        },
      ),
    },
  },
  {
    files: ['src/renderer/store/**'],
    rules: {
      'no-restricted-imports': layerRule(
        noImportsOf(
          ['signaling', 'call', 'webrtc', 'platform', 'ui', 'features', 'app'],
          'store/ (plain state)',
        ),
      ),
    },
  },
  {
    files: ['src/renderer/signaling/**'],
    rules: {
      'no-restricted-imports': layerRule(
        noImportsOf(
          ['call', 'webrtc', 'platform', 'ui', 'features', 'app'],
          'signaling/ (the server clients)',
        ),
      ),
    },
  },
  {
    files: ['src/renderer/call/**'],
    rules: {
      'no-restricted-imports': layerRule(
        noImportsOf(['platform', 'ui', 'features', 'app'], 'call/ (the call flow)'),
      ),
    },
  },
  {
    files: ['src/renderer/features/**'],
    rules: {
      'no-restricted-imports': layerRule({
        // `../x/` from features/<name>/ is another feature; shared pieces live in ui/, store/ or app/.
        regex: '^\\.\\./[^.]|(^|/)features/',
        message: 'Features do not import each other: move what both need to src/renderer/ui/ (or store/).',
      }),
    },
  },
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
  ...layerConfigs,
);
