import { PGlite } from '@electric-sql/pglite';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Db, Queryable, SqlParam } from './db.ts';
import { migrate } from './migrate.ts';

function asQueryable(target: Pick<PGlite, 'query' | 'exec'>): Queryable {
  return {
    async query<Row extends object>(sql: string, params: readonly SqlParam[] = []) {
      const result = await target.query<Row>(sql, params as unknown[]);
      return result.rows;
    },
    async exec(sql) {
      await target.exec(sql);
    },
  };
}

/** PGlite is a single connection that serialises every query and transaction itself: no pool to manage. */
function asDb(pg: PGlite): Db {
  return {
    ...asQueryable(pg),
    transaction: (work) => pg.transaction((tx) => work(asQueryable(tx))),
    close: () => pg.close(),
  };
}

/** Where the embedded database lives inside DATA_DIR. */
export function embeddedDatabaseDir(dataDir: string): string {
  return path.join(dataDir, 'pglite');
}

/**
 * Embedded PostgreSQL in `dir` (persistent) or in memory (null). A database that does not exist yet can
 * start from `template`, a data directory dump (see createMigratedTemplate), instead of running initdb.
 */
export async function openPgliteDb(dir: string | null, template?: Blob): Promise<Db> {
  const fresh = dir === null || !existsSync(path.join(dir, 'PG_VERSION'));
  const options = fresh && template !== undefined ? { loadDataDir: template } : {};
  return asDb(dir === null ? await PGlite.create(options) : await PGlite.create(dir, options));
}

/**
 * A dump of a freshly migrated in-memory database. Creating a PGlite cluster runs initdb, which takes
 * seconds; test suites start many servers, each from a copy of this dump instead.
 */
export async function createMigratedTemplate(): Promise<Blob> {
  const pg = await PGlite.create();
  try {
    await migrate(asDb(pg));
    return await pg.dumpDataDir('none');
  } finally {
    await pg.close();
  }
}
