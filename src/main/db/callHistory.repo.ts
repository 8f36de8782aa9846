/**
 * The desktop's own call history: every call this install took part in, merged with the server's history
 * after sign-in. Pages are newest first by (started_at, call_id), with an opaque cursor; rows read back are
 * parsed before they leave, and a row that does not parse is skipped and logged rather than breaking the
 * list.
 */
import { z } from 'zod';
import type BetterSqlite3 from 'better-sqlite3';
import { HistoryEntry, type HistoryPage } from '../../shared/desktopApi.ts';
import type { CallType } from '../../shared/protocol.ts';
import type { Logger } from '../log.ts';

type Db = BetterSqlite3.Database;

export interface HistoryCursor {
  startedAtMs: number;
  callId: string;
}

export interface HistoryListOptions {
  cursor: HistoryCursor | null;
  limit: number;
  search: string;
  missedOnly: boolean;
}

export interface UnseenMissedCall {
  callId: string;
  callerName: string;
  type: CallType;
}

/** Above this many calls matching a search, walking all calls newest first beats sorting the matches. */
const WALK_NEWEST_FIRST_FROM_MATCHES = 1000;

const CursorTuple = z.tuple([z.number().int().nonnegative(), z.uuid()]);

export function encodeHistoryCursor(cursor: HistoryCursor): string {
  return Buffer.from(JSON.stringify([cursor.startedAtMs, cursor.callId])).toString('base64url');
}

/** null when the cursor was not produced by encodeHistoryCursor. */
export function decodeHistoryCursor(cursor: string): HistoryCursor | null {
  try {
    const parsed = CursorTuple.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.success ? { startedAtMs: parsed.data[0], callId: parsed.data[1] } : null;
  } catch {
    return null;
  }
}

/**
 * A user's search as an FTS5 query: every word must match the start of a word of some participant's name
 * ("ali" finds "Alice" and "Bob Alison"). Each word is quoted, so FTS5 syntax typed by the user is literal.
 */
export function participantSearchQuery(search: string): string | null {
  const words = search.trim().split(/\s+/u).filter(Boolean);
  if (words.length === 0) return null;
  return words.map((word) => `"${word.replaceAll('"', '""')}"*`).join(' ');
}

interface CallRow {
  call_id: string;
  direction: string;
  type: string;
  participants_json: string;
  started_at_ms: number;
  ended_at_ms: number | null;
  duration_seconds: number | null;
  status: string;
  unseen: number;
  recording_state: string | null;
  recording_url: string | null;
  recording_message: string | null;
}

const ENTRY_COLUMNS = [
  'call_id',
  'direction',
  'type',
  'participants_json',
  'started_at_ms',
  'ended_at_ms',
  'duration_seconds',
  'status',
  'unseen',
];
const RECORDING_COLUMNS = ['recording_state', 'recording_url', 'recording_message'];
const COLUMNS = [...ENTRY_COLUMNS, ...RECORDING_COLUMNS].join(', ');

/** A row to write, and whether the entry said anything about its recording (see HistoryEntry.recording). */
type RowParams = CallRow & { recording_known: number };

function toRowParams(entry: HistoryEntry): RowParams {
  const recording = entry.recording ?? null;
  return {
    call_id: entry.callId,
    direction: entry.direction,
    type: entry.type,
    participants_json: JSON.stringify(entry.participants),
    started_at_ms: Date.parse(entry.startedAt),
    ended_at_ms: entry.endedAt === null ? null : Date.parse(entry.endedAt),
    duration_seconds: entry.durationSeconds,
    status: entry.status,
    unseen: entry.unseen ? 1 : 0,
    recording_state: recording?.state ?? null,
    recording_url: recording?.url ?? null,
    recording_message: recording?.message ?? null,
    recording_known: entry.recording === undefined ? 0 : 1,
  };
}

function recordingOf(row: CallRow): unknown {
  if (row.recording_state === null) return null;
  return { state: row.recording_state, url: row.recording_url, message: row.recording_message };
}

/** undefined (which fails the parse) for a number no Date can hold. */
function isoFromEpochMs(ms: number): string | undefined {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export class CallHistoryRepository {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #statements = new Map<string, BetterSqlite3.Statement>();
  readonly #exists: BetterSqlite3.Statement<[string]>;
  readonly #insertOrReplace: BetterSqlite3.Statement<[RowParams]>;
  readonly #mergeFromServer: BetterSqlite3.Statement<[RowParams]>;

  constructor(db: Db, log: Logger) {
    this.#db = db;
    this.#log = log;
    this.#exists = db.prepare('SELECT 1 FROM calls WHERE call_id = ?');
    const values = COLUMNS.split(', ')
      .map((c) => `@${c}`)
      .join(', ');
    // An entry that does not say whether its call was recorded keeps the recording already stored: a call is
    // written when it ends here, and may be merged from the server with its recording before that.
    const updateAll = (keepUnseen: boolean) =>
      [
        ...ENTRY_COLUMNS.filter((c) => c !== 'call_id' && !(keepUnseen && c === 'unseen')).map(
          (c) => `${c} = excluded.${c}`,
        ),
        ...RECORDING_COLUMNS.map((c) => `${c} = CASE WHEN @recording_known THEN excluded.${c} ELSE ${c} END`),
      ].join(', ');
    // An upsert, not INSERT OR REPLACE: REPLACE deletes the row, which would give it a new rowid and
    // re-index its names for nothing.
    this.#insertOrReplace = db.prepare(
      `INSERT INTO calls (${COLUMNS}) VALUES (${values}) ON CONFLICT (call_id) DO UPDATE SET ${updateAll(false)}`,
    );
    // The server knows the final status and duration; whether the user has seen a call is only known here.
    this.#mergeFromServer = db.prepare(
      `INSERT INTO calls (${COLUMNS}) VALUES (${values}) ON CONFLICT (call_id) DO UPDATE SET ${updateAll(true)}`,
    );
  }

  has(callId: string): boolean {
    return this.#exists.get(callId) !== undefined;
  }

  /** Records a call (or replaces what was recorded for the same callId). */
  record(entry: HistoryEntry): void {
    this.#insertOrReplace.run(toRowParams(entry));
  }

  /** Adds the server's entries this install does not have and updates those it has; returns how many were new. */
  merge(entries: HistoryEntry[]): { added: number } {
    return this.#db.transaction(() => {
      let added = 0;
      for (const entry of entries) {
        if (!this.has(entry.callId)) added++;
        this.#mergeFromServer.run(toRowParams(entry));
      }
      return { added };
    })();
  }

  list(options: HistoryListOptions): HistoryPage {
    const match = participantSearchQuery(options.search);
    const conditions: string[] = [];
    const params: Array<string | number> = [];
    if (options.cursor) {
      conditions.push('(started_at_ms, call_id) < (?, ?)');
      params.push(options.cursor.startedAtMs, options.cursor.callId);
    }
    if (options.missedOnly) conditions.push("status = 'missed'");
    if (match !== null) {
      // Two plans, each fast where the other is slow: for a common name, walk calls newest first and keep
      // those in the match set (50 hits come early); for a rare one, fetch the few matches and sort them.
      // The unary + keeps SQLite from driving the query by rowid, so it walks the newest-first index.
      const common = this.#countMatches(match) >= WALK_NEWEST_FIRST_FROM_MATCHES;
      conditions.push(
        `${common ? '+rowid' : 'rowid'} IN (SELECT rowid FROM call_participant_names WHERE call_participant_names MATCH ?)`,
      );
      params.push(match);
    }
    const sql =
      `SELECT ${COLUMNS} FROM calls` +
      (conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '') +
      ' ORDER BY started_at_ms DESC, call_id DESC LIMIT ?';
    // One fetch past the page tells whether another page exists.
    const rows = this.#statement(sql).all(...params, options.limit + 1) as CallRow[];
    const pageRows = rows.slice(0, options.limit);
    const last = pageRows.at(-1);
    return {
      entries: pageRows.flatMap((row) => this.#toEntry(row) ?? []),
      nextCursor:
        rows.length > options.limit && last
          ? encodeHistoryCursor({ startedAtMs: last.started_at_ms, callId: last.call_id })
          : null,
    };
  }

  markSeen(callIds: string[] | 'all'): void {
    if (callIds === 'all') {
      this.#statement('UPDATE calls SET unseen = 0 WHERE unseen = 1').run();
      return;
    }
    const markOne = this.#statement('UPDATE calls SET unseen = 0 WHERE call_id = ?');
    this.#db.transaction(() => callIds.forEach((id) => markOne.run(id)))();
  }

  /** Returns whether a call was deleted. */
  delete(callId: string): boolean {
    return this.#statement('DELETE FROM calls WHERE call_id = ?').run(callId).changes > 0;
  }

  clear(): void {
    this.#statement('DELETE FROM calls').run();
  }

  unseenMissedCount(): number {
    const row = this.#statement(
      "SELECT count(*) AS n FROM calls WHERE status = 'missed' AND unseen = 1",
    ).get() as {
      n: number;
    };
    return row.n;
  }

  /** The newest unseen missed calls, for the tray's "call back" entries. */
  unseenMissed(limit: number): UnseenMissedCall[] {
    const rows = this.#statement(
      `SELECT ${COLUMNS} FROM calls WHERE status = 'missed' AND unseen = 1 ORDER BY started_at_ms DESC LIMIT ?`,
    ).all(limit) as CallRow[];
    return rows.flatMap((row) => {
      const entry = this.#toEntry(row);
      return entry
        ? [
            {
              callId: entry.callId,
              type: entry.type,
              callerName: entry.participants.map((p) => p.name).join(', '),
            },
          ]
        : [];
    });
  }

  #countMatches(match: string): number {
    const row = this.#statement(
      'SELECT count(*) AS n FROM call_participant_names WHERE call_participant_names MATCH ?',
    ).get(match) as { n: number };
    return row.n;
  }

  #statement(sql: string): BetterSqlite3.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #toEntry(row: CallRow): HistoryEntry | null {
    let participants: unknown;
    try {
      participants = JSON.parse(row.participants_json);
    } catch {
      participants = undefined;
    }
    const parsed = HistoryEntry.safeParse({
      callId: row.call_id,
      direction: row.direction,
      type: row.type,
      participants,
      startedAt: isoFromEpochMs(row.started_at_ms),
      endedAt: row.ended_at_ms === null ? null : isoFromEpochMs(row.ended_at_ms),
      durationSeconds: row.duration_seconds,
      status: row.status,
      unseen: row.unseen === 1,
      recording: recordingOf(row),
    });
    if (!parsed.success) {
      this.#log.warn('call history: skipped an unreadable row', { callId: row.call_id });
      return null;
    }
    return parsed.data;
  }
}
