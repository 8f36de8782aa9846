/**
 * Runs the real backend (`node backend/src/server.ts`) as a child process, the way a deployment runs it, for
 * the two-process cluster test, the browser end-to-end suite and the benches. PORT=0 lets the OS pick a free
 * port; the server's `listening` log line tells which.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const BACKEND_ENTRY = fileURLToPath(new URL('../src/server.ts', import.meta.url));
/** PGlite's first start compiles its WASM; on a busy 2-core machine that takes a while. */
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;

/**
 * Children still running. If this process dies before stopping them (an uncaught error, process.exit from a
 * signal handler), they are killed on the way out instead of lingering as orphans that hold ports and memory.
 */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  /** Resident set size of the process now, from /proc (Linux). */
  rssBytes(): Promise<number>;
  /** The last lines the process wrote, for a failure message. */
  logTail(): string;
  /** SIGTERM (graceful shutdown), SIGKILL if it has not exited in time. */
  stop(): Promise<void>;
}

/**
 * Starts `node <script>` with exactly `env` (plus PATH), and resolves once `readPort` finds the port in a line
 * of its stdout. Rejects with the process's last output if it exits or stays silent first.
 */
export function spawnNodeServer(
  script: string,
  env: Record<string, string>,
  readPort: (line: string) => number | null,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let tail = '';
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );

  return new Promise<ServerProcess>((resolve, reject) => {
    let pending = '';
    let ready = false;
    const timer = setTimeout(() => fail(`no listening line within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    const fail = (reason: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${script}: ${reason}\n${tail}`));
    };
    child.stderr.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
    });
    child.stdout.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
      // After start-up this listener only keeps the tail (and drains the pipe, so logging never blocks).
      if (ready) return;
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const port = readPort(line);
        if (port === null) continue;
        ready = true;
        clearTimeout(timer);
        child.off('exit', onEarlyExit);
        resolve(handle(port));
        return;
      }
    });
    const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`exited (${signal ?? code}) before listening`);
    child.once('exit', onEarlyExit);

    const handle = (port: number): ServerProcess => ({
      url: `http://127.0.0.1:${port}`,
      port,
      pid: child.pid!,
      async rssBytes() {
        const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
        const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
        if (kib === undefined) throw new Error(`no VmRSS for pid ${child.pid}`);
        return Number(kib) * 1024;
      },
      logTail: () => tail,
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(killer);
      },
    });
  });
}

/**
 * The backend logs JSON (pino) and announces `{"msg":"listening","url":"http://127.0.0.1:<port>"}` at info
 * level, so its LOG_LEVEL must be info or lower.
 */
export function spawnBackend(env: Record<string, string>): Promise<ServerProcess> {
  return spawnNodeServer(BACKEND_ENTRY, env, readBackendPort);
}

function readBackendPort(line: string): number | null {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof entry !== 'object' || entry === null) return null;
  const { msg, url } = entry as { msg?: unknown; url?: unknown };
  return msg === 'listening' && typeof url === 'string' ? Number(new URL(url).port) : null;
}
