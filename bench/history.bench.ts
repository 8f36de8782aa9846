/**
 * `npm run bench:history`: the desktop call-history database at 100,000 calls.
 *
 * Fills a temporary history file (the real schema, migrations and repository) with 100,000 calls among a few
 * thousand people, then measures the two queries a user waits on: the newest page of 50 (opening history)
 * and a search by name as they type. Each is run RUNS times over a fresh set of queries; the figure printed
 * is the median over runs of each run's p95. Goals: page p95 < 5 ms, search p95 < 20 ms.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { HistoryEntry } from '../src/shared/desktopApi.ts';
import { CallHistoryRepository, decodeHistoryCursor } from '../src/main/db/callHistory.repo.ts';
import { openHistoryDatabase } from '../src/main/db/historyDb.ts';

const CALLS = 100_000;
const RUNS = 5;
const QUERIES_PER_RUN = 200;
const GOALS = { newestPageP95Ms: 5, searchP95Ms: 20 };

const FIRST = [
  'Alice',
  'Bruno',
  'Chloé',
  'Dmitri',
  'Elena',
  'Farid',
  'Greta',
  'Hiro',
  'Ingrid',
  'Jonas',
  'Kwame',
  'Lena',
  'Mateo',
  'Nadia',
  'Oskar',
  'Priya',
  'Quentin',
  'Rosa',
  'Sven',
  'Tomasz',
  'Uma',
  'Viktor',
  'Wen',
  'Ximena',
  'Yusuf',
  'Zoë',
  'Amara',
  'Björn',
  'Camille',
  'Diego',
];
const LAST = [
  'Andersen',
  'Becker',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fischer',
  'García',
  'Horvat',
  'Ivanova',
  'Jensen',
  'Kowalski',
  'Larsen',
  'Moreau',
  'Novak',
  'Okafor',
  'Petrov',
  'Quinn',
  'Rossi',
  'Schmidt',
  'Tanaka',
  'Ueda',
  'Vargas',
  'Weber',
  'Xu',
  'Yilmaz',
  'Zimmermann',
  'Nakamura',
  'Haddad',
  'Lindqvist',
  'Mensah',
  'Oliveira',
  'Popescu',
  'Silva',
  'Takahashi',
  'Walsh',
  'Hughes',
  'Kim',
  'Lopez',
  'Murphy',
  'Nguyen',
];

/** A small deterministic generator, so every run measures the same database. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(42);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const people = Array.from({ length: 3000 }, (_, i) => ({
  userId: `00000000-0000-4000-8000-${(i + 1).toString(16).padStart(12, '0')}`,
  name: `${pick(FIRST)} ${pick(LAST)}`,
}));

function makeCall(i: number): HistoryEntry {
  const startedAtMs = Date.UTC(2023, 0, 1) + Math.floor(random() * 3 * 365 * 86_400_000);
  const status = random() < 0.2 ? 'missed' : random() < 0.05 ? 'rejected' : 'answered';
  const duration = status === 'answered' ? Math.floor(random() * 3600) : null;
  const count = random() < 0.8 ? 1 : 2 + Math.floor(random() * 4);
  return {
    callId: `10000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
    direction: random() < 0.5 ? 'incoming' : 'outgoing',
    type: random() < 0.6 ? 'audio' : 'video',
    participants: Array.from({ length: count }, () => pick(people)),
    startedAt: new Date(startedAtMs).toISOString(),
    endedAt: duration === null ? null : new Date(startedAtMs + duration * 1000).toISOString(),
    durationSeconds: duration,
    status,
    unseen: status === 'missed' && random() < 0.1,
  };
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const median = (values: number[]): number => percentile(values, 50);

function measure(run: () => unknown): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

const dir = mkdtempSync(path.join(tmpdir(), 'callbridge-history-bench-'));
try {
  const db = openHistoryDatabase(path.join(dir, 'history.sqlite3'));
  const repo = new CallHistoryRepository(db, { info() {}, warn: console.warn, error: console.error });

  const fillStart = performance.now();
  db.transaction(() => {
    for (let i = 0; i < CALLS; i++) repo.record(makeCall(i));
  })();
  const fillMs = performance.now() - fillStart;
  const rows = (db.prepare('SELECT count(*) AS n FROM calls').get() as { n: number }).n;

  // What a user types: the first letters of a first or last name, or a whole name.
  const searchTerm = (): string => {
    const name = pick(people).name;
    const word = pick(name.split(' '));
    const roll = random();
    return roll < 0.4 ? word.slice(0, 3) : roll < 0.8 ? word : name;
  };

  const pageRuns: number[] = [];
  const secondPageRuns: number[] = [];
  const searchRuns: number[] = [];
  const missedRuns: number[] = [];
  const base = { cursor: null, limit: 50, search: '', missedOnly: false };
  for (let run = 0; run < RUNS; run++) {
    const page: number[] = [];
    const second: number[] = [];
    const search: number[] = [];
    const missed: number[] = [];
    for (let q = 0; q < QUERIES_PER_RUN; q++) {
      let first = repo.list(base);
      page.push(measure(() => (first = repo.list(base))));
      const cursor = decodeHistoryCursor(first.nextCursor!);
      second.push(measure(() => repo.list({ ...base, cursor })));
      const term = searchTerm();
      search.push(measure(() => repo.list({ ...base, search: term })));
      missed.push(measure(() => repo.list({ ...base, missedOnly: true })));
    }
    pageRuns.push(percentile(page, 95));
    secondPageRuns.push(percentile(second, 95));
    searchRuns.push(percentile(search, 95));
    missedRuns.push(percentile(missed, 95));
  }
  db.close();

  const results = {
    rows,
    fillSeconds: Number((fillMs / 1000).toFixed(1)),
    newestPageP95Ms: Number(median(pageRuns).toFixed(3)),
    secondPageP95Ms: Number(median(secondPageRuns).toFixed(3)),
    missedPageP95Ms: Number(median(missedRuns).toFixed(3)),
    searchP95Ms: Number(median(searchRuns).toFixed(3)),
    runs: RUNS,
    queriesPerRun: QUERIES_PER_RUN,
  };
  const pass = results.newestPageP95Ms < GOALS.newestPageP95Ms && results.searchP95Ms < GOALS.searchP95Ms;

  console.log(`call history: ${rows.toLocaleString('en')} calls (filled in ${results.fillSeconds} s)`);
  console.log(
    `  newest 50          p95 ${results.newestPageP95Ms} ms   (goal < ${GOALS.newestPageP95Ms} ms)`,
  );
  console.log(`  second page of 50  p95 ${results.secondPageP95Ms} ms`);
  console.log(`  missed calls, 50   p95 ${results.missedPageP95Ms} ms`);
  console.log(`  search by name     p95 ${results.searchP95Ms} ms   (goal < ${GOALS.searchP95Ms} ms)`);
  console.log(`  median of ${RUNS} runs x ${QUERIES_PER_RUN} queries: ${pass ? 'PASS' : 'FAIL'}`);
  writeFileSync(
    path.join(import.meta.dirname, 'results', 'history.json'),
    `${JSON.stringify({ ...results, goals: GOALS, pass, at: new Date().toISOString() }, null, 2)}\n`,
  );
  process.exitCode = pass ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
