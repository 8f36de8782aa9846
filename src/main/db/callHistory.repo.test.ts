import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../shared/desktopApi.ts';
import type { Logger } from '../log.ts';
import {
  CallHistoryRepository,
  decodeHistoryCursor,
  encodeHistoryCursor,
  type HistoryListOptions,
} from './callHistory.repo.ts';
import { openHistoryDatabase } from './historyDb.ts';
import { LATEST_VERSION, migrate, schemaVersion } from './migrations.ts';

const warnings: string[] = [];
const log: Logger = { info: () => {}, warn: (msg) => warnings.push(msg), error: () => {} };

const ALICE = { userId: '00000000-0000-4000-8000-00000000000a', name: 'Alice Martin' };
const BOB = { userId: '00000000-0000-4000-8000-00000000000b', name: 'Bob Alison' };
const ZOE = { userId: '00000000-0000-4000-8000-00000000000c', name: 'Zoë Ölund' };

function callId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;
}

function entry(n: number, overrides: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    callId: callId(n),
    direction: 'incoming',
    type: 'audio',
    participants: [ALICE],
    startedAt: new Date(Date.UTC(2025, 0, 1, 12, 0, n)).toISOString(),
    endedAt: null,
    durationSeconds: null,
    status: 'answered',
    unseen: false,
    recording: null,
    ...overrides,
  };
}

const everything: HistoryListOptions = { cursor: null, limit: 50, search: '', missedOnly: false };

describe('call history database', () => {
  let dir: string;
  let file: string;
  const opened: Database.Database[] = [];

  function open(): CallHistoryRepository {
    const db = openHistoryDatabase(file);
    opened.push(db);
    return new CallHistoryRepository(db, log);
  }

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'callbridge-history-'));
    file = path.join(dir, 'history.sqlite3');
    warnings.length = 0;
  });
  afterEach(() => {
    for (const db of opened.splice(0)) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('migrations', () => {
    it('creates the latest schema in an empty file, in WAL mode', () => {
      const repo = open();
      const db = opened[0]!;
      expect(schemaVersion(db)).toBe(LATEST_VERSION);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      repo.record(entry(1));
      expect(repo.list(everything).entries).toHaveLength(1);
    });

    // Every version a user's file can be at, each with calls written by that version.
    for (let from = 1; from < LATEST_VERSION; from++) {
      it(`upgrades a file at version ${from} and keeps (and indexes) its calls`, () => {
        const old = new Database(file);
        migrate(old, from);
        const insert = old.prepare(
          `INSERT INTO calls (call_id, direction, type, participants_json, started_at_ms, ended_at_ms,
             duration_seconds, status, unseen) VALUES (?, 'incoming', 'video', ?, ?, NULL, NULL, ?, ?)`,
        );
        insert.run(callId(1), JSON.stringify([ALICE]), Date.UTC(2024, 5, 1), 'answered', 0);
        insert.run(callId(2), JSON.stringify([BOB, ZOE]), Date.UTC(2024, 5, 2), 'missed', 1);
        expect(schemaVersion(old)).toBe(from);
        old.close();

        const repo = open();
        expect(schemaVersion(opened[0]!)).toBe(LATEST_VERSION);
        expect(repo.list(everything).entries.map((e) => e.callId)).toEqual([callId(2), callId(1)]);
        expect(repo.list({ ...everything, search: 'zoe' }).entries.map((e) => e.callId)).toEqual([callId(2)]);
        expect(repo.list({ ...everything, missedOnly: true }).entries.map((e) => e.callId)).toEqual([
          callId(2),
        ]);
        expect(repo.unseenMissedCount()).toBe(1);
      });
    }

    it('refuses a file written by a newer version of the app', () => {
      const newer = new Database(file);
      newer.pragma(`user_version = ${LATEST_VERSION + 1}`);
      newer.close();
      expect(() => openHistoryDatabase(file)).toThrow(/newer than this app knows/);
    });
  });

  it('keeps calls across reopening the file', () => {
    open().record(
      entry(1, { participants: [ALICE, BOB], durationSeconds: 42, endedAt: '2025-01-01T12:00:43.000Z' }),
    );
    opened.pop()!.close();
    expect(open().list(everything).entries).toEqual([
      entry(1, { participants: [ALICE, BOB], durationSeconds: 42, endedAt: '2025-01-01T12:00:43.000Z' }),
    ]);
  });

  it('pages newest first with a cursor, without gaps or repeats, also among equal start times', () => {
    const repo = open();
    const sameSecond = '2025-01-01T12:00:03.000Z';
    for (let n = 1; n <= 7; n++) repo.record(entry(n, n >= 3 && n <= 5 ? { startedAt: sameSecond } : {}));

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = repo.list({
        ...everything,
        limit: 2,
        cursor: cursor ? decodeHistoryCursor(cursor) : null,
      });
      expect(page.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.entries.map((e) => e.callId));
      cursor = page.nextCursor;
    } while (cursor);

    expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1].map(callId));
  });

  it('stores a start time given with an offset as the same instant', () => {
    const repo = open();
    repo.record(entry(1, { startedAt: '2025-01-01T14:00:00+02:00' }));
    repo.record(entry(2, { startedAt: '2025-01-01T12:30:00Z' }));
    const entries = repo.list(everything).entries;
    expect(entries.map((e) => [e.callId, e.startedAt])).toEqual([
      [callId(2), '2025-01-01T12:30:00.000Z'],
      [callId(1), '2025-01-01T12:00:00.000Z'],
    ]);
  });

  it('searches by the start of any word of a participant name, ignoring case and accents', () => {
    const repo = open();
    repo.record(entry(1, { participants: [ALICE] }));
    repo.record(entry(2, { participants: [BOB] }));
    repo.record(entry(3, { participants: [ZOE, BOB] }));
    const ids = (search: string) => repo.list({ ...everything, search }).entries.map((e) => e.callId);

    expect(ids('ali')).toEqual([callId(3), callId(2), callId(1)]); // Alice, and Bob Alison
    expect(ids('mart')).toEqual([callId(1)]);
    expect(ids('ZOE olu')).toEqual([callId(3)]);
    expect(ids('bob zoë')).toEqual([callId(3)]);
    expect(ids('lice')).toEqual([]); // not the start of a word
    expect(ids('"OR*')).toEqual([]); // FTS syntax is taken literally
    expect(ids('   ')).toHaveLength(3);
  });

  it('pages a search matching many calls newest first, like a search matching few', () => {
    const repo = open();
    // Enough matches for the repository to walk calls newest first instead of sorting the matches.
    opened[0]!.transaction(() => {
      for (let n = 1; n <= 1600; n++) repo.record(entry(n, { participants: n % 3 === 0 ? [BOB] : [ALICE] }));
    })();
    const alice = [...Array(1600).keys()].map((i) => 1600 - i).filter((n) => n % 3 !== 0);

    const first = repo.list({ ...everything, search: 'alice', limit: 50 });
    expect(first.entries.map((e) => e.callId)).toEqual(alice.slice(0, 50).map(callId));
    const second = repo.list({
      ...everything,
      search: 'alice',
      limit: 50,
      cursor: decodeHistoryCursor(first.nextCursor!),
    });
    expect(second.entries.map((e) => e.callId)).toEqual(alice.slice(50, 100).map(callId));
    expect(repo.list({ ...everything, search: 'bob', limit: 3 }).entries.map((e) => e.callId)).toEqual(
      [1599, 1596, 1593].map(callId),
    );
  });

  it('keeps the search index in step with changed and deleted calls', () => {
    const repo = open();
    repo.record(entry(1, { participants: [ALICE] }));
    repo.record(entry(1, { participants: [ZOE] }));
    expect(repo.list({ ...everything, search: 'alice' }).entries).toEqual([]);
    expect(repo.list({ ...everything, search: 'zoe' }).entries).toHaveLength(1);
    repo.delete(callId(1));
    expect(repo.list({ ...everything, search: 'zoe' }).entries).toEqual([]);
  });

  it('filters missed calls, counts the unseen ones and marks them seen', () => {
    const repo = open();
    repo.record(entry(1, { status: 'missed', unseen: true, participants: [BOB] }));
    repo.record(entry(2, { status: 'answered' }));
    repo.record(entry(3, { status: 'missed', unseen: true }));
    repo.record(entry(4, { status: 'missed', unseen: false }));

    expect(repo.list({ ...everything, missedOnly: true }).entries.map((e) => e.callId)).toEqual(
      [4, 3, 1].map(callId),
    );
    expect(
      repo.list({ ...everything, missedOnly: true, search: 'bob' }).entries.map((e) => e.callId),
    ).toEqual([callId(1)]);
    expect(repo.unseenMissedCount()).toBe(2);
    expect(repo.unseenMissed(5)).toEqual([
      { callId: callId(3), callerName: 'Alice Martin', type: 'audio' },
      { callId: callId(1), callerName: 'Bob Alison', type: 'audio' },
    ]);

    repo.markSeen([callId(3)]);
    expect(repo.unseenMissedCount()).toBe(1);
    repo.markSeen('all');
    expect(repo.unseenMissedCount()).toBe(0);
    expect(repo.list(everything).entries.every((e) => !e.unseen)).toBe(true);
  });

  it('merges server history without duplicates: new calls added, known ones updated, seen state kept', () => {
    const repo = open();
    repo.record(entry(1, { status: 'failed', unseen: false }));
    repo.record(entry(2, { status: 'missed', unseen: true }));

    const fromServer = [
      entry(1, {
        status: 'answered',
        durationSeconds: 60,
        endedAt: '2025-01-01T12:01:01.000Z',
        unseen: true,
      }),
      entry(2, { status: 'missed', unseen: false }),
      entry(3, { direction: 'outgoing', type: 'video', participants: [BOB] }),
    ];
    expect(repo.merge(fromServer)).toEqual({ added: 1 });
    expect(repo.merge(fromServer)).toEqual({ added: 0 });

    const byId = new Map(repo.list(everything).entries.map((e) => [e.callId, e]));
    expect(byId.size).toBe(3);
    expect(byId.get(callId(1))).toMatchObject({ status: 'answered', durationSeconds: 60, unseen: false });
    expect(byId.get(callId(2))).toMatchObject({ status: 'missed', unseen: true });
    expect(byId.get(callId(3))).toMatchObject({ direction: 'outgoing', type: 'video' });
    expect(repo.list({ ...everything, search: 'bob' }).entries.map((e) => e.callId)).toEqual([callId(3)]);
  });

  describe('recordings', () => {
    const processing = { state: 'processing', url: null, message: null } as const;
    const ready = { state: 'ready', url: `/api/calls/${callId(1)}/recording`, message: null } as const;

    it("keeps a call's recording across reopening the file, and follows the server to ready", () => {
      open().merge([entry(1, { recording: processing })]);
      opened.pop()!.close();
      const repo = open();
      expect(repo.list(everything).entries[0]?.recording).toEqual(processing);
      repo.merge([entry(1, { recording: ready })]);
      expect(repo.list(everything).entries[0]?.recording).toEqual(ready);
    });

    it('keeps the recording when the call is written again by someone who does not know of it', () => {
      const repo = open();
      repo.merge([entry(1, { recording: ready })]);
      // The call ends here after the server's page was merged: the local entry says nothing of a recording.
      const { recording: _unknown, ...endedHere } = entry(1, { durationSeconds: 60 });
      repo.record(endedHere);
      expect(repo.list(everything).entries[0]).toMatchObject({ durationSeconds: 60, recording: ready });
      // The server saying it was not recorded is believed.
      repo.merge([entry(1)]);
      expect(repo.list(everything).entries[0]?.recording).toBeNull();
    });

    it('adds the recording columns to a version 3 database, its calls not recorded', () => {
      const db = new Database(':memory:');
      opened.push(db);
      migrate(db, 3);
      db.prepare(
        `INSERT INTO calls (call_id, direction, type, participants_json, started_at_ms, status, unseen)
           VALUES (?, 'outgoing', 'video', ?, ?, 'answered', 0)`,
      ).run(callId(1), JSON.stringify([ALICE]), Date.UTC(2024, 5, 1));
      migrate(db);
      expect(schemaVersion(db)).toBe(4);
      const repo = new CallHistoryRepository(db, log);
      expect(repo.list(everything).entries[0]?.recording).toBeNull();
      repo.merge([entry(1, { recording: ready })]);
      expect(repo.list(everything).entries[0]?.recording).toEqual(ready);
    });

    it("refuses an unknown recording state and skips a row whose download address is not the server's", () => {
      const repo = open();
      const db = opened[0]!;
      repo.record(entry(1));
      expect(() =>
        db.prepare("UPDATE calls SET recording_state = 'uploaded' WHERE call_id = ?").run(callId(1)),
      ).toThrow(/CHECK constraint/);
      db.prepare(
        "UPDATE calls SET recording_state = 'ready', recording_url = 'https://elsewhere.example/x' WHERE call_id = ?",
      ).run(callId(1));
      expect(repo.list(everything).entries).toEqual([]);
      expect(warnings).toEqual(['call history: skipped an unreadable row']);
    });
  });

  it('deletes one call and clears all', () => {
    const repo = open();
    for (let n = 1; n <= 3; n++) repo.record(entry(n));
    expect(repo.delete(callId(2))).toBe(true);
    expect(repo.delete(callId(2))).toBe(false);
    expect(repo.list(everything).entries.map((e) => e.callId)).toEqual([callId(3), callId(1)]);
    repo.clear();
    expect(repo.list(everything)).toEqual({ entries: [], nextCursor: null });
    expect(repo.list({ ...everything, search: 'alice' }).entries).toEqual([]);
  });

  it('parses rows read from disk and skips one that does not parse', () => {
    const repo = open();
    repo.record(entry(1));
    opened[0]!
      .prepare(
        `INSERT INTO calls (call_id, direction, type, participants_json, started_at_ms, status, unseen)
         VALUES (?, 'incoming', 'audio', '[{"userId": "not-a-uuid", "name": 7}]', ?, 'answered', 0)`,
      )
      .run(callId(2), Date.UTC(2025, 1, 1));
    expect(repo.list(everything).entries.map((e) => e.callId)).toEqual([callId(1)]);
    expect(warnings).toEqual(['call history: skipped an unreadable row']);
  });

  it('only accepts cursors it produced', () => {
    const cursor = { startedAtMs: 1_700_000_000_000, callId: callId(9) };
    expect(decodeHistoryCursor(encodeHistoryCursor(cursor))).toEqual(cursor);
    expect(decodeHistoryCursor('not-a-cursor')).toBeNull();
    expect(decodeHistoryCursor(Buffer.from('[1,"x"]').toString('base64url'))).toBeNull();
  });
});
