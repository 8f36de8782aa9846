import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJsonLogger, logFileWriter, MAX_LOG_FILE_BYTES } from './log.ts';

describe('main-process log', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'callbridge-log-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one JSON object per line to the log file', () => {
    const log = createJsonLogger(logFileWriter(path.join(dir, 'logs')));
    log.warn('admin policy: invalid; ignoring it', { problem: 'serverURL: unknown key' });
    log.info('started');
    const lines = readFileSync(path.join(dir, 'logs', 'main.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toMatchObject([
      { level: 'warn', msg: 'admin policy: invalid; ignoring it', problem: 'serverURL: unknown key' },
      { level: 'info', msg: 'started' },
    ]);
  });

  it('starts a fresh file when the last one grew too large, keeping it as main.old.log', () => {
    writeFileSync(path.join(dir, 'main.log'), 'x'.repeat(MAX_LOG_FILE_BYTES + 1));
    createJsonLogger(logFileWriter(dir)).info('next run');
    expect(readFileSync(path.join(dir, 'main.old.log'), 'utf8')).toHaveLength(MAX_LOG_FILE_BYTES + 1);
    expect(JSON.parse(readFileSync(path.join(dir, 'main.log'), 'utf8'))).toMatchObject({ msg: 'next run' });
  });
});
