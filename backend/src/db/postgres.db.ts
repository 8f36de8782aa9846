import pg from 'pg';
import type { Db, Queryable, SqlParam } from './db.ts';

/**
 * A real PostgreSQL server. The connection string may carry `?options=-c search_path=<schema>` to run in a
 * schema of its own (the test suites do, so parallel runs never collide).
 */
export function openPostgresDb(connectionString: string, onError: (err: Error) => void): Db {
  const pool = new pg.Pool({ connectionString, max: 10 });
  // An idle client losing its server emits here; without a listener Node would crash the process.
  pool.on('error', onError);
  const asQueryable = (target: pg.Pool | pg.PoolClient): Queryable => ({
    async query<Row extends object>(sql: string, params: readonly SqlParam[] = []) {
      const result = await target.query<Row>(sql, params as unknown[]);
      return result.rows;
    },
    async exec(sql) {
      // Without parameters pg uses the simple-query protocol, which accepts several statements.
      await target.query(sql);
    },
  });
  return {
    ...asQueryable(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const value = await work(asQueryable(client));
        await client.query('COMMIT');
        return value;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
