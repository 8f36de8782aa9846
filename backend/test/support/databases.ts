/**
 * The databases a DB-touching suite runs against: embedded PGlite always, and the real PostgreSQL of
 * TEST_DATABASE_URL when it is set. Each PostgreSQL run gets a fresh schema (via search_path) that is dropped
 * afterwards, so parallel runs never see each other's rows. Under CI=true a missing or unreachable
 * PostgreSQL fails the suite instead of skipping it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface DatabaseTarget {
  name: 'pglite' | 'postgres';
  /** Creates the schema and returns the env overrides for startTestServer. */
  setUp(): Promise<Record<string, string>>;
  tearDown(): Promise<void>;
  /** Storage of its own that outlives a server, for restart tests: a PGlite folder or another schema. */
  persistentStorage(): Promise<{ env: Record<string, string>; remove(): Promise<void> }>;
}

const pgliteTarget: DatabaseTarget = {
  name: 'pglite',
  setUp: async () => ({}),
  tearDown: async () => undefined,
  async persistentStorage() {
    const dir = mkdtempSync(path.join(tmpdir(), 'callbridge-pglite-'));
    return { env: { DATA_DIR: dir }, remove: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

/** A schema of its own inside TEST_DATABASE_URL; `urlFor` gives a connection string pinned to it. */
export async function createTestSchema(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

function postgresTarget(baseUrl: string | undefined): DatabaseTarget {
  let drop: (() => Promise<void>) | null = null;
  const schema = () => {
    if (baseUrl === undefined) throw new Error('CI=true requires TEST_DATABASE_URL (a reachable PostgreSQL)');
    return createTestSchema(baseUrl);
  };
  return {
    name: 'postgres',
    async setUp() {
      const created = await schema();
      drop = created.drop;
      return { DATABASE_URL: created.url };
    },
    async tearDown() {
      await drop?.();
    },
    async persistentStorage() {
      const created = await schema();
      return { env: { DATABASE_URL: created.url }, remove: created.drop };
    },
  };
}

export function databaseTargets(env: NodeJS.ProcessEnv = process.env): DatabaseTarget[] {
  const url = env.TEST_DATABASE_URL?.trim() || undefined;
  const required = env.CI === 'true';
  return url !== undefined || required ? [pgliteTarget, postgresTarget(url)] : [pgliteTarget];
}
