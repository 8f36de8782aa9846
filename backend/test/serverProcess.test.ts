/**
 * `node backend/src/server.ts` as the e2e specs, benches and operators run it: one JSON "listening" line
 * with the URL, graceful exit on SIGTERM, and one clear line then exit 1 on bad configuration.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSchema } from './support/databases.ts';

const SERVER = path.join(import.meta.dirname, '../src/server.ts');

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
  return { child, exited };
}

describe('the server process', () => {
  // A PostgreSQL schema when one is configured spares the child the embedded database's initdb.
  let database: { url: string; drop(): Promise<void> } | null = null;
  beforeAll(async () => {
    const url = process.env.TEST_DATABASE_URL?.trim();
    database = url ? await createTestSchema(url) : null;
  });
  afterAll(() => database?.drop());

  it('logs one listening line, serves, and exits 0 on SIGTERM', async () => {
    const { child, exited } = run({
      PORT: '0',
      DATA_DIR: ':memory:',
      LOG_LEVEL: 'info',
      ...(database === null ? {} : { DATABASE_URL: database.url }),
    });
    const lines = createInterface({ input: child.stdout });
    let url: string | null = null;
    for await (const line of lines) {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'listening') {
        url = entry.url ?? null;
        break;
      }
    }
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });

    child.kill('SIGTERM');
    expect((await exited).code).toBe(0);
  });

  it('stops with one line naming the bad variable', async () => {
    const { exited } = run({ PORT: 'not-a-port', DATA_DIR: ':memory:' });
    const { code, stderr } = await exited;
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^Invalid environment variable PORT: /);
  });
});
