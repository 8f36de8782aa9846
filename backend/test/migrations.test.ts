/** Versioned migrations: the spec's schema, idempotent re-runs, and nodes migrating at the same time. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/db.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPgliteDb } from '../src/db/pglite.db.ts';
import { openPostgresDb } from '../src/db/postgres.db.ts';
import { databaseTargets } from './support/databases.ts';

async function openTarget(env: Record<string, string>): Promise<Db> {
  return env.DATABASE_URL === undefined
    ? openPgliteDb(null)
    : openPostgresDb(env.DATABASE_URL, (err) => {
        throw err;
      });
}

describe.each(databaseTargets())('migrations on $name', (target) => {
  let env: Record<string, string>;
  const opened: Db[] = [];
  beforeAll(async () => {
    env = await target.setUp();
  });
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.close()));
    await target.tearDown();
  });

  it('applies every version once, even when two nodes start together', async () => {
    const first = await openTarget(env);
    opened.push(first);
    // PGlite is one in-process database: a second node can only be simulated with PostgreSQL.
    const second = target.name === 'postgres' ? await openTarget(env) : first;
    if (second !== first) opened.push(second);

    const [a, b] = await Promise.all([migrate(first), migrate(second)]);
    expect([...a, ...b].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await migrate(first)).toEqual([]);
    const versions = await first.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
    // Opening PGlite compiles its WebAssembly: on a loaded 2-core machine alone that took over 30 s.
  }, 120_000);

  it('has the spec tables with their columns, and the cleanup function removes only expired credentials', async () => {
    const db = opened[0]!;
    const columns = await db.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name IN ('calls', 'call_participants', 'turn_credentials')`,
    );
    const of = (table: string) =>
      Object.fromEntries(
        columns.filter((c) => c.table_name === table).map((c) => [c.column_name, c.data_type]),
      );
    expect(of('calls')).toMatchObject({
      id: 'uuid',
      status: 'character varying',
      duration_seconds: 'integer',
      quality_stats: 'jsonb',
      started_at: 'timestamp with time zone',
      sfu_room_id: 'character varying',
      recording_url: 'text',
    });
    expect(of('call_participants')).toMatchObject({
      ice_candidates: 'jsonb',
      media_state: 'jsonb',
      media_stats: 'jsonb',
      connection_quality: 'character varying',
      device_id: 'character varying',
    });
    expect(Object.keys(of('turn_credentials')).sort()).toEqual(
      ['created_at', 'credential', 'expires_at', 'id', 'user_id', 'username'].sort(),
    );

    const [user] = await db.query<{ id: string }>(
      `INSERT INTO users (email, name, password_hash) VALUES ('t@example.test', 'T', 'x') RETURNING id`,
    );
    await db.query(
      `INSERT INTO turn_credentials (user_id, username, credential, expires_at)
       VALUES ($1, 'old', 'c', NOW() - interval '1 second'), ($1, 'new', 'c', NOW() + interval '1 hour')`,
      [user!.id],
    );
    await db.query('SELECT cleanup_expired_turn_credentials()');
    const left = await db.query<{ username: string }>('SELECT username FROM turn_credentials');
    expect(left.map((r) => r.username)).toEqual(['new']);
  });
});
