import Database from 'better-sqlite3';
import { migrate } from './migrations.ts';

/**
 * Opens (creating if needed) the call-history database and brings its schema up to date. WAL lets the
 * renderer's reads proceed while a merge writes; NORMAL sync is durable across app crashes in WAL mode and
 * only a power cut can lose the last transaction, which the next merge with the server restores.
 */
export function openHistoryDatabase(file: string): Database.Database {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
