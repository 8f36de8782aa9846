import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from './db.ts';

const MIGRATIONS_DIR = path.join(import.meta.dirname, 'migrations');
const MIGRATION_FILE = /^(\d{3})_[a-z0-9_]+\.sql$/;
/** Arbitrary constant shared by every node: only one of several nodes starting at once migrates. */
const MIGRATION_LOCK_KEY = 4_242_001;

/**
 * Applies the numbered SQL files under migrations/ that are not yet in schema_migrations, all in one
 * transaction (PostgreSQL DDL is transactional: a failed migration leaves nothing half-done) under an
 * advisory lock so that nodes starting together do not race. Returns the versions applied by this call.
 */
export async function migrate(db: Db): Promise<number[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => MIGRATION_FILE.test(f)).sort();
  const applied: number[] = [];
  // A transaction-scoped lock: released by COMMIT/ROLLBACK on the very connection that took it, so a crash
  // mid-migration can never leave it held.
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version INTEGER PRIMARY KEY,
         name TEXT NOT NULL,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
       )`,
    );
    const done = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version),
    );
    for (const file of files) {
      const version = Number(MIGRATION_FILE.exec(file)?.[1]);
      if (done.has(version)) continue;
      const sql = await readFile(path.join(MIGRATIONS_DIR, file), 'utf8');
      await tx.exec(sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [version, file]);
      applied.push(version);
    }
  });
  return applied;
}
