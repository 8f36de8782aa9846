/**
 * `npm start`: the zero-setup way to run the product on one machine.
 *
 * Starts the signaling backend on its embedded database (PGlite under DATA_DIR, or DATABASE_URL when set),
 * serving the built web client, then the desktop app pointed at it. Where no Electron binary exists (CI
 * machines, servers) it says so and leaves the web client running, which is the same renderer; so does
 * `npm start -- --web` anywhere.
 *
 * Where Janus and coturn are installed and not configured (JANUS_URLS, TURN_SERVER_HOST), a local one of each
 * comes up first, on a free port (a distribution's own janus or coturn service may hold the default one), so
 * group calls of more than three and relayed calls work out of the box. Where one is missing or does not
 * start, one line says what that limits and how to add it. Ctrl+C (or SIGTERM) stops everything.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { acceptsTcp, findFreePort } from '../backend/scripts/ports.ts';
import { connectJanus } from '../backend/src/sfu/janusClient.ts';
import { defaultMediaInterface } from '../backend/src/sfu/janusConfig.ts';

const root = path.resolve(import.meta.dirname, '..');
const children = new Set<ChildProcess>();
/** Set once everything is being stopped: the code this process exits with when the last child is gone. */
let exitCode: number | null = null;
const SERVICE_READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 15_000;

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

function spawnChild(command: string, args: string[], env: NodeJS.ProcessEnv, stdout: 'inherit' | 'pipe') {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', stdout, 'inherit'] });
  children.add(child);
  child.once('exit', () => {
    children.delete(child);
    if (exitCode !== null && children.size === 0) process.exit(exitCode);
  });
  return child;
}

/** Runs `node <script>` (this Node, the pinned one) with `env` added to ours. */
function spawnScript(script: string, env: Record<string, string>, stdout: 'inherit' | 'pipe' = 'inherit') {
  return spawnChild(process.execPath, [script], { ...process.env, ...env }, stdout);
}

/** Stops every child (SIGTERM, then SIGKILL after a grace period) and exits once they are gone. */
function stopAll(code = 0): void {
  if (exitCode !== null) return;
  exitCode = code;
  if (children.size === 0) process.exit(code);
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => {
    for (const child of children) child.kill('SIGKILL');
  }, STOP_GRACE_MS).unref();
}

const isInstalled = (binary: string) =>
  spawnSync(binary, ['--version'], { stdio: 'ignore' }).error === undefined;

/** Polls `ready` until it holds; false when `child` exits or the time is up first. */
async function becomesReady(child: ChildProcess, ready: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + SERVICE_READY_TIMEOUT_MS;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    if (await ready().catch(() => false)) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

interface LocalService {
  /** What the backend needs to use it (empty without it). */
  env: Record<string, string>;
  /** One line for the summary: what runs, or what is missing, what that limits and how to add it. */
  summary: string;
}

/** The last lines a child wrote to stdout, kept (and the pipe drained) for when it fails. */
function keepTail(child: ChildProcess, maxLines = 30): () => string {
  const lines: string[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    if (lines.length > maxLines) lines.shift();
  });
  return () => lines.map((line) => `  ${line}\n`).join('');
}

/**
 * Runs a dev script's server (`npm run sfu`, `npm run turn`) for the backend, its output kept to itself unless
 * it fails: the service it started, or a line saying it did not and what that limits.
 */
async function startService(options: {
  name: string;
  limitation: string;
  script: string;
  env: Record<string, string>;
  ready: () => Promise<boolean>;
  running: string;
}): Promise<LocalService> {
  const child = spawnScript(options.script, options.env, 'pipe');
  const tail = keepTail(child);
  const failed = (what: string) =>
    `${options.name} ${what}, so ${options.limitation}.${tail() && ` Its last output:\n${tail()}`}`;
  if (!(await becomesReady(child, options.ready))) {
    child.kill('SIGTERM');
    return { env: {}, summary: failed('did not start') };
  }
  child.once('exit', (code, signal) => {
    if (exitCode === null) console.log(`start: ${failed(`stopped (${signal ?? code})`)}`);
  });
  return { env: options.env, summary: options.running };
}

const SFU_LIMITATION = 'group calls are limited to 3 people';
const TURN_LIMITATION = 'calls have no relay (TURN) for people behind strict NATs or firewalls';

/** What a service that is not installed means for the user, and how to add it. */
function notInstalled(name: string, limitation: string, aptPackage: string, docs: string): LocalService {
  return {
    env: {},
    summary: `${name} is not installed, so ${limitation}; to add it: apt-get install ${aptPackage}, then npm start again (it starts one; ${docs}).`,
  };
}

/** A local Janus (`npm run sfu`) for group calls, unless JANUS_URLS names one already. */
async function startLocalSfu(): Promise<LocalService | null> {
  if (process.env.JANUS_URLS) return null;
  if (!isInstalled('janus')) return notInstalled('Janus', SFU_LIMITATION, 'janus', 'docs/sfu.md');
  const url = `ws://127.0.0.1:${await findFreePort('127.0.0.1')}`;
  return startService({
    name: 'Janus',
    limitation: SFU_LIMITATION,
    script: 'backend/scripts/sfu.ts',
    env: {
      JANUS_URLS: url,
      JANUS_ADMIN_KEY: process.env.JANUS_ADMIN_KEY ?? randomBytes(24).toString('base64url'),
      JANUS_DEBUG_LEVEL: process.env.JANUS_DEBUG_LEVEL ?? '2',
    },
    ready: async () => {
      await (await connectJanus(url)).close();
      return true;
    },
    running: `group calls of more than 3 go through the local Janus on ${url}.`,
  });
}

/**
 * Where a local coturn listens: the backend's own address, so that whoever reaches the backend reaches the
 * relay; with the backend on all interfaces, the address of the default route's interface.
 */
function turnListenIp(): string {
  const host = process.env.HOST?.trim() || '127.0.0.1';
  if (host === 'localhost' || isIP(host) === 0) return '127.0.0.1';
  if (host !== '0.0.0.0' && host !== '::') return host;
  const addresses = networkInterfaces()[defaultMediaInterface()] ?? [];
  return addresses.find((a) => a.family === 'IPv4' && !a.internal)?.address ?? '127.0.0.1';
}

/** A local coturn (`npm run turn`) with the backend's TURN secret, unless TURN_SERVER_HOST names one. */
async function startLocalTurn(): Promise<LocalService | null> {
  if (process.env.TURN_SERVER_HOST) return null;
  if (!isInstalled('turnserver')) return notInstalled('coturn', TURN_LIMITATION, 'coturn', 'docs/turn.md');
  const host = turnListenIp();
  const port = await findFreePort(host, { udp: true });
  // Both processes derive the credentials from this secret: with nothing kept on disk, it is made here.
  const secret =
    process.env.TURN_SECRET ??
    (process.env.DATA_DIR === ':memory:' ? randomBytes(32).toString('base64url') : undefined);
  return startService({
    name: 'coturn',
    limitation: TURN_LIMITATION,
    script: 'backend/scripts/turn.ts',
    env: {
      TURN_SERVER_HOST: host,
      TURN_SERVER_PORT: String(port),
      ...(secret === undefined ? {} : { TURN_SECRET: secret }),
    },
    ready: () => acceptsTcp(host, port),
    running: `relayed calls go through the local coturn on ${host}:${port}.`,
  });
}

/** Starts the backend and resolves with its URL once it logs that it listens. */
function startBackend(env: Record<string, string>): Promise<string> {
  const backend = spawnScript('backend/src/server.ts', env, 'pipe');
  return new Promise((resolve, reject) => {
    backend.once('exit', (code, signal) => {
      reject(new Error(`the backend exited (${signal ?? code}) before it listened`));
    });
    readline.createInterface({ input: backend.stdout! }).on('line', (line) => {
      process.stdout.write(`${line}\n`);
      try {
        const entry = JSON.parse(line) as { msg?: unknown; url?: unknown };
        if (entry.msg === 'listening' && typeof entry.url === 'string') resolve(entry.url);
      } catch {
        // not a JSON log line: already echoed
      }
    });
  }).then((url) => {
    // From here on the backend is what `npm start` is: when it ends, everything else ends with it.
    backend.once('exit', (code) => stopAll(code ?? 1));
    return url as string;
  });
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

process.on('SIGINT', () => stopAll());
process.on('SIGTERM', () => stopAll());

if (!existsSync(path.join(root, 'dist/web/index.html'))) run('npm', ['run', 'build:web']);
const services = (await Promise.all([startLocalSfu(), startLocalTurn()])).filter((s) => s !== null);
const url = await startBackend(Object.assign({}, ...services.map((s) => s.env))).catch((error: unknown) => {
  console.error(`start: ${(error as Error).message}`);
  stopAll(1);
  return null;
});

if (url !== null) {
  const lines = services.map((s) => s.summary);
  const electron = process.argv.includes('--web') ? null : findElectron();
  if (electron !== null && 'binary' in electron) {
    if (!existsSync(path.join(root, 'dist/main/index.cjs'))) run('npm', ['run', 'build:desktop']);
    const app = spawnChild(electron.binary, ['.'], { ...process.env, CALLBRIDGE_SERVER_URL: url }, 'inherit');
    app.once('exit', () => stopAll());
    lines.unshift(`the desktop app is opening; the web client is at ${url} too.`);
  } else {
    const why = electron === null ? '' : ` (no desktop app here: ${electron.reason})`;
    lines.unshift(`open the web client at ${url}${why}.`);
  }
  console.log(`\n${[...lines, 'press Ctrl+C to stop.'].map((line) => `start: ${line}`).join('\n')}\n`);
}
