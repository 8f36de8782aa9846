/**
 * The database port. Two adapters implement it with the same SQL: embedded PostgreSQL (PGlite, the zero-setup
 * default) and a real PostgreSQL server (pg). Repositories take a `Queryable` so they run the same inside or
 * outside a transaction.
 */
export type SqlParam = string | number | boolean | Date | null | readonly string[] | Record<string, unknown>;

export interface Queryable {
  query<Row extends object>(sql: string, params?: readonly SqlParam[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
