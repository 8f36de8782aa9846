/**
 * `npm start`: the zero-setup way to run the product on one machine.
 *
 * Starts the signaling backend on its embedded database (PGlite under DATA_DIR, or DATABASE_URL when set),
 * serving the built web client, then the desktop app pointed at it. Where no Electron binary exists (CI
 * machines, servers) it says so and leaves the web client running, which is the same renderer.
 * Where Janus is installed and JANUS_URLS is not set, a local Janus (`npm run sfu`) comes up too, so group
 * calls of more than three work out of the box.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';

const root = path.resolve(import.meta.dirname, '..');
const children: ChildProcess[] = [];

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) {
    console.error(`start: '${command} ${args.join(' ')}' failed`);
    process.exit(result.status ?? 1);
  }
}

/**
 * The path of the Electron binary, or null with the reason. `require('electron')` downloads a missing binary
 * on first use, which is what a developer machine wants; with ELECTRON_SKIP_BINARY_DOWNLOAD set (machines
 * without that download) a missing binary is reported without trying.
 */
function findElectron(): { binary: string } | { reason: string } {
  const require = createRequire(import.meta.url);
  const packageDir = path.dirname(require.resolve('electron/package.json'));
  const pathFile = path.join(packageDir, 'path.txt');
  const installed = existsSync(pathFile) && path.join(packageDir, 'dist', readFileSync(pathFile, 'utf8'));
  if (installed && existsSync(installed)) return { binary: installed };
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    return { reason: 'ELECTRON_SKIP_BINARY_DOWNLOAD is set and the electron package has no binary' };
  }
  try {
    const binary = require('electron') as unknown;
    if (typeof binary === 'string' && existsSync(binary)) return { binary };
  } catch {
    // the download failed: reported below
  }
  return { reason: 'the Electron binary could not be downloaded' };
}

/**
 * A local Janus for group calls, when one is installed and none is configured: the environment the backend
 * needs to use it, or an empty one (the backend then refuses group calls of more than three, and says why).
 */
function startLocalSfu(): Record<string, string> {
  if (process.env.JANUS_URLS) return {};
  if (spawnSync('janus', ['--version'], { stdio: 'ignore' }).error !== undefined) {
    console.log('start: Janus is not installed, so group calls are limited to 3 people (see docs/sfu.md).');
    return {};
  }
  const sfuEnv = {
    JANUS_URLS: 'ws://127.0.0.1:8188',
    JANUS_ADMIN_KEY: process.env.JANUS_ADMIN_KEY ?? randomBytes(24).toString('base64url'),
  };
  const sfu = spawn(process.execPath, ['backend/scripts/sfu.ts'], {
    cwd: root,
    env: { ...process.env, ...sfuEnv, JANUS_DEBUG_LEVEL: process.env.JANUS_DEBUG_LEVEL ?? '2' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(sfu);
  return sfuEnv;
}

/** Starts the backend and resolves with its URL once it logs that it listens. */
function startBackend(sfuEnv: Record<string, string>): Promise<string> {
  const backend = spawn(process.execPath, ['backend/src/server.ts'], {
    cwd: root,
    env: { ...process.env, ...sfuEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(backend);
  return new Promise((resolve, reject) => {
    backend.once('exit', (code) => reject(new Error(`backend exited with code ${code}`)));
    readline.createInterface({ input: backend.stdout! }).on('line', (line) => {
      process.stdout.write(`${line}\n`);
      try {
        const entry = JSON.parse(line) as { msg?: unknown; url?: unknown };
        if (entry.msg === 'listening' && typeof entry.url === 'string') resolve(entry.url);
      } catch {
        // not a JSON log line: already echoed
      }
    });
  });
}

function stopAll(): void {
  for (const child of children) child.kill('SIGTERM');
}
process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);

if (!existsSync(path.join(root, 'dist/web/index.html'))) run('npm', ['run', 'build:web']);
const url = await startBackend(startLocalSfu());

const electron = findElectron();
if ('binary' in electron) {
  if (!existsSync(path.join(root, 'dist/main/index.cjs'))) run('npm', ['run', 'build:desktop']);
  const app = spawn(electron.binary, ['.'], {
    cwd: root,
    env: { ...process.env, CALLBRIDGE_SERVER_URL: url },
    stdio: 'inherit',
  });
  children.push(app);
  app.once('exit', stopAll);
} else {
  console.log(`\nstart: no desktop app here (${electron.reason}).`);
  console.log(`start: open the web client at ${url} — press Ctrl+C to stop.\n`);
}
