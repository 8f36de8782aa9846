/**
 * How the development scripts (`npm run turn`, `npm run sfu`) run their server: in the foreground with its
 * output on this terminal, Ctrl+C and SIGTERM passed on to it, and this process exiting with its exit code.
 * A binary that is not installed is reported in one line saying which package to install.
 */
import { spawn } from 'node:child_process';

export function runInForeground(options: {
  command: string;
  args: string[];
  /** e.g. 'install coturn (apt-get install coturn)' */
  installHint: string;
  /** Once the process started: what to tell the user. */
  started: string;
  fail: (message: string) => never;
}): void {
  const child = spawn(options.command, options.args, { stdio: 'inherit' });
  child.once('spawn', () => process.stdout.write(options.started));
  child.once('error', (error: NodeJS.ErrnoException) => {
    options.fail(
      error.code === 'ENOENT' ? `${options.command} not found; ${options.installHint}` : error.message,
    );
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}
