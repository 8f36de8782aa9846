/**
 * Call-history schema migrations, one function per version. `PRAGMA user_version` records the version a
 * database file is at; opening a file runs, in one transaction each, every migration above it. A migration
 * is never edited once released: a change to the schema is a new function at the end of the list.
 */
import type { Database } from 'better-sqlite3';

type Migration = (db: Database) => void;

/** Version 1: the calls themselves; participants as JSON, timestamps as epoch milliseconds (sortable). */
function v1CreateCalls(db: Database): void {
  db.exec(`
    CREATE TABLE calls (
      call_id TEXT NOT NULL PRIMARY KEY,
      direction TEXT NOT NULL CHECK (direction IN ('incoming', 'outgoing')),
      type TEXT NOT NULL CHECK (type IN ('audio', 'video', 'screen')),
      participants_json TEXT NOT NULL,
      started_at_ms INTEGER NOT NULL,
      ended_at_ms INTEGER,
      duration_seconds INTEGER,
      status TEXT NOT NULL CHECK (status IN ('answered', 'missed', 'rejected', 'failed')),
      unseen INTEGER NOT NULL DEFAULT 0 CHECK (unseen IN (0, 1))
    ) STRICT;
    CREATE INDEX calls_newest ON calls (started_at_ms DESC, call_id DESC);
  `);
}

/**
 * Version 2: search by participant name. A full-text index holds one row per call (rowid = the call's rowid)
 * with its participants' names, so a word-prefix search does not scan every call's JSON. Triggers keep it in
 * step with `calls`, so no write path can forget it; existing calls are indexed here.
 */
function v2IndexParticipantNames(db: Database): void {
  db.exec(`
    CREATE VIRTUAL TABLE call_participant_names USING fts5(
      names,
      tokenize = 'unicode61 remove_diacritics 2',
      prefix = '1 2 3'
    );
    CREATE TRIGGER calls_names_insert AFTER INSERT ON calls BEGIN
      INSERT INTO call_participant_names (rowid, names)
        SELECT new.rowid, coalesce(group_concat(json_extract(value, '$.name'), ' '), '')
        FROM json_each(new.participants_json);
    END;
    CREATE TRIGGER calls_names_update AFTER UPDATE OF participants_json ON calls BEGIN
      DELETE FROM call_participant_names WHERE rowid = old.rowid;
      INSERT INTO call_participant_names (rowid, names)
        SELECT new.rowid, coalesce(group_concat(json_extract(value, '$.name'), ' '), '')
        FROM json_each(new.participants_json);
    END;
    CREATE TRIGGER calls_names_delete AFTER DELETE ON calls BEGIN
      DELETE FROM call_participant_names WHERE rowid = old.rowid;
    END;
    INSERT INTO call_participant_names (rowid, names)
      SELECT calls.rowid, coalesce((SELECT group_concat(json_extract(value, '$.name'), ' ')
                                    FROM json_each(calls.participants_json)), '')
      FROM calls;
  `);
}

/** Version 3: the missed-calls filter and the unseen-missed badge read only missed calls, newest first. */
function v3IndexMissedCalls(db: Database): void {
  db.exec(`
    CREATE INDEX calls_missed_newest ON calls (started_at_ms DESC, call_id DESC) WHERE status = 'missed';
    CREATE INDEX calls_unseen_missed ON calls (started_at_ms DESC) WHERE status = 'missed' AND unseen = 1;
  `);
}

/**
 * Version 4: a call's recording (issue #14), as the server last reported it, so that the history shows it
 * and can open it while the server's page is not at hand. NULL state: not recorded (or not known yet).
 */
function v4AddRecordings(db: Database): void {
  db.exec(`
    ALTER TABLE calls ADD COLUMN recording_state TEXT
      CHECK (recording_state IN ('recording', 'stopped', 'processing', 'ready', 'failed', 'expired'));
    ALTER TABLE calls ADD COLUMN recording_url TEXT;
    ALTER TABLE calls ADD COLUMN recording_message TEXT;
  `);
}

/** migrations[i] takes a database from version i to version i + 1. */
export const migrations: readonly Migration[] = [
  v1CreateCalls,
  v2IndexParticipantNames,
  v3IndexMissedCalls,
  v4AddRecordings,
];
export const LATEST_VERSION = migrations.length;

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Brings the database up to `target` (the latest by default); refuses a file written by a newer app. */
export function migrate(db: Database, target: number = LATEST_VERSION): void {
  const current = schemaVersion(db);
  if (current > LATEST_VERSION) {
    throw new Error(
      `call history is at schema version ${current}, newer than this app knows (${LATEST_VERSION}); update CallBridge`,
    );
  }
  for (let version = current; version < target; version++) {
    const step = migrations[version];
    if (!step) throw new Error(`no migration from schema version ${version}`);
    db.transaction(() => {
      step(db);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
