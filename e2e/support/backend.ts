/**
 * Runs the real signaling backend as its own process (`node backend/src/server.ts`, exactly as deployed),
 * on an in-memory database and a free port, serving the freshly built web client from dist/web.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

export interface RunningBackend {
  url: string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** PGlite's first start compiles its WASM; on a busy 2-core machine that takes a while. */
const START_TIMEOUT_MS = 90_000;

export async function startBackend(env: Record<string, string> = {}): Promise<RunningBackend> {
  const child = spawn(process.execPath, ['backend/src/server.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: ':memory:',
      WEB_DIR: path.join(ROOT, 'dist', 'web'),
      LOG_LEVEL: 'info',
      SWEEP_INTERVAL_MS: '100',
      // Every test registers fresh users and places many calls from one address.
      RATE_LIMIT_MULTIPLIER: '1000',
      SCRYPT_LOG2_COST: '10',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopping = false;
  // A backend that dies mid-test fails the test with a connection error; its own last words say why.
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`backend exited unexpectedly (${signal ?? code}):\n${stderr}`);
  });

  const stop = async () => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  };

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`backend did not start within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    void exited.then(() => reject(new Error(`backend exited before listening:\n${stderr}`)));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'listening' && entry.url) {
          clearTimeout(timer);
          resolve(entry.url);
        }
      } catch {
        // not a log line
      }
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { url, stop };
}
