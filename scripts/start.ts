/**
 * `npm start`: the zero-setup way to run the product on one machine.
 *
 * Starts the signaling backend on its embedded database (PGlite under DATA_DIR, or DATABASE_URL when set),
 * serving the built web client, then the desktop app pointed at it. Where no Electron binary exists (CI
 * machines, servers) it says so and leaves the web client running, which is the same renderer.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
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

/** The path of the Electron binary, or null with the reason when the package has none (no download here). */
function findElectron(): { binary: string } | { reason: string } {
  try {
    const binary = createRequire(import.meta.url)('electron') as unknown;
    if (typeof binary === 'string' && existsSync(binary)) return { binary };
    return { reason: 'the electron package has no binary on this machine' };
  } catch {
    return { reason: 'the electron package has no binary on this machine (ELECTRON_SKIP_BINARY_DOWNLOAD?)' };
  }
}

/** Starts the backend and resolves with its URL once it logs that it listens. */
function startBackend(): Promise<string> {
  const backend = spawn(process.execPath, ['backend/src/server.ts'], {
    cwd: root,
    env: process.env,
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
const url = await startBackend();

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
