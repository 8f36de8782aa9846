/**
 * A server binary the tests run for real (coturn, Janus): spawned with its output kept (the tail goes into the
 * error when it does not come up), killed if the test process exits first, and stopped or crashed on demand.
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';

export interface TestDaemon {
  readonly pid: number;
  /** Resolves once the process is gone. */
  readonly exited: Promise<void>;
  /** Graceful stop (SIGTERM, SIGKILL after a grace period), then removes the work folder. */
  stop(): Promise<void>;
  /** SIGKILL, as in a crash; then removes the work folder. */
  kill(): Promise<void>;
}

const LOG_TAIL_CHARS = 4000;
const STOP_GRACE_MS = 10_000;
const POLL_INTERVAL_MS = 100;

export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  /** Removed when the daemon is stopped or killed. */
  workDir: string;
  /** True once the daemon serves; polled until it does, the process exits, or readyTimeoutMs passes. */
  ready: () => Promise<boolean>;
  readyTimeoutMs: number;
}

export async function startTestDaemon(spec: DaemonSpec): Promise<TestDaemon> {
  const child = spawn(spec.command, spec.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keepLog = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-LOG_TAIL_CHARS);
  };
  child.stdout.on('data', keepLog);
  child.stderr.on('data', keepLog);
  let hasExited = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => (hasExited = true));
  // An interrupted test run must not leave the daemon behind (its ports would outlive the run).
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const cleanUp = async (): Promise<void> => {
    process.off('exit', killOnExit);
    await rm(spec.workDir, { recursive: true, force: true });
  };
  const daemon: TestDaemon = {
    pid: child.pid ?? -1,
    exited,
    async stop() {
      if (running()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      await cleanUp();
    },
    async kill() {
      if (running()) child.kill('SIGKILL');
      await exited;
      await cleanUp();
    },
  };

  const deadline = Date.now() + spec.readyTimeoutMs;
  while (!hasExited && Date.now() < deadline) {
    if (await spec.ready().catch(() => false)) return daemon;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  await daemon.stop();
  const why = hasExited ? `${spec.command} exited` : `not ready within ${spec.readyTimeoutMs} ms`;
  throw new Error(`${spec.name} did not start: ${why}\n${log}`);
}
