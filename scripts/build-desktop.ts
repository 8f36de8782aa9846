/**
 * `npm run build:desktop`: bundles the Electron main process to dist/main/index.cjs and the preload to
 * dist/preload/index.cjs with esbuild.
 *
 * CommonJS because a sandboxed preload must be one file that `require`s nothing but electron (Electron's
 * sandbox has no module loader), and the main bundle follows suit so package.json's "main" points at the
 * same kind of file. `electron` is provided by the runtime; better-sqlite3 is a native addon and is loaded
 * from node_modules (electron-builder unpacks its .node file from the asar). Everything else, including the
 * ESM-only electron-store, is bundled, so the packaged app carries no other node_modules.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  // Electron 45 runs Node 22 and Chromium 140.
  target: ['node22', 'chrome140'],
  logLevel: 'warning',
  absWorkingDir: root,
};

await Promise.all([
  build({
    ...common,
    entryPoints: ['src/main/index.ts'],
    outfile: 'dist/main/index.cjs',
    external: ['electron', 'better-sqlite3'],
    // Bundled ESM packages (electron-store, conf) read import.meta.url, which CommonJS output lacks.
    define: { 'import.meta.url': '__callbridgeImportMetaUrl' },
    banner: { js: 'const __callbridgeImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  }),
  build({
    ...common,
    entryPoints: ['src/preload/index.ts'],
    outfile: 'dist/preload/index.cjs',
    external: ['electron'],
  }),
]);

// A sandboxed preload that requires anything but electron fails at runtime, in the user's window; fail here.
const preload = readFileSync(path.join(root, 'dist/preload/index.cjs'), 'utf8');
const required = [...preload.matchAll(/\brequire\(["']([^"']+)["']\)/g)].map((m) => m[1]);
const forbidden = required.filter((name) => name !== 'electron');
if (forbidden.length > 0) {
  console.error(
    `build:desktop: the preload requires ${forbidden.join(', ')}; a sandboxed preload may only require electron`,
  );
  process.exit(1);
}
console.log('build:desktop: dist/main/index.cjs, dist/preload/index.cjs');
