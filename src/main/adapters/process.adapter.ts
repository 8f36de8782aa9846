import { execFile } from 'node:child_process';
import type { RunCommand } from '../policy/registryPolicy.ts';

const COMMAND_TIMEOUT_MS = 10_000;
const MAX_OUTPUT_BYTES = 1024 * 1024;

/**
 * Runs a system tool (reg.exe, plutil) without a shell, so nothing in its arguments is interpreted. A
 * non-zero exit is an answer (the caller decides what it means); a tool that cannot start, hangs or floods
 * its output is an error.
 */
export const runCommand: RunCommand = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      { timeout: COMMAND_TIMEOUT_MS, maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true, encoding: 'utf8' },
      (error, stdout) => {
        const exitCode = error && typeof error.code === 'number' ? error.code : error ? null : 0;
        if (exitCode === null) reject(error ?? new Error(`${file} failed`));
        else resolve({ exitCode, stdout });
      },
    );
  });
