/**
 * The main process's logger: one JSON object per line, on stderr (what `npm start` shows) and in a log file
 * (what an administrator or a bug report can read: a packaged app on Windows has no console). Fields are
 * values the code chose to log; errors go in as their message only, never a stack or a payload.
 */
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createJsonLogger(
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const emit = (level: string, msg: string, fields?: Record<string, unknown>): void => {
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
  };
  return {
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

/** The message of anything thrown, without its stack. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Past this size the log is moved to main.old.log at start, so two runs' worth at most is kept. */
export const MAX_LOG_FILE_BYTES = 2 * 1024 * 1024;

/** Prepares `<dir>/main.log` and returns a writer that appends to it; failures to write are ignored. */
export function logFileWriter(dir: string): (line: string) => void {
  const file = path.join(dir, 'main.log');
  try {
    mkdirSync(dir, { recursive: true });
    if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) > MAX_LOG_FILE_BYTES) {
      renameSync(file, path.join(dir, 'main.old.log'));
    }
  } catch {
    // A read-only or full disk must not stop the app; stderr still has the lines.
  }
  return (line) => {
    try {
      appendFileSync(file, line);
    } catch {
      // as above
    }
  };
}
