/**
 * npm run bench:signaling [-- --clients 2000 --rounds 3 --concurrency 50 --rate 10 --latency-seconds 20 --idle 10000]
 *
 * Complete 1:1 call flows (initiate, ring, answer, offer/answer, trickled ICE, hang up) by many connected,
 * authenticated socket clients against the real backend, and the same flows and message sizes against a
 * bare socket.io relay (no auth, no validation, no database) in the same run. Each round, for each server:
 * a capacity phase (every pair calls once, `--concurrency` calls in flight: setups per second) and a latency
 * phase (`--rate` calls started per second for `--latency-seconds`: relay latency at an equal offered load,
 * which should stay below both servers' capacity so it measures relaying, not queueing).
 * Rounds alternate between the two servers so background load on a shared machine hits both alike; the
 * report takes medians over rounds. Then an idle test: `--idle` authenticated sockets held open on one
 * backend process, and its RSS.
 *
 * Loopback only. The backend runs with its embedded database in a temporary DATA_DIR (or DATABASE_URL when
 * set), rate limits raised with RATE_LIMIT_MULTIPLIER and a cheap password KDF (SCRYPT_LOG2_COST) so that
 * registering thousands of bench accounts does not dominate the run. Results: bench/results/signaling-*.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { readIntegerOptions } from './integerOptions.ts';
import { spawnBackend, spawnNodeServer, type ServerProcess } from '../backend/scripts/backendProcess.ts';
import {
  backendCallControl,
  createConversation,
  registerAccount,
  type Account,
} from './signaling/backendApi.ts';
import { bareCallControl } from './signaling/bareControl.ts';
import { BenchClient } from './signaling/benchClient.ts';
import { CANDIDATES_PER_SIDE, type CallControl, type Pair } from './signaling/callFlow.ts';
import { runPhase, type PhaseResult } from './signaling/phases.ts';
import { mapConcurrent } from './signaling/pool.ts';
import { RelayLatencyRecorder } from './signaling/relayLatency.ts';
import { median, round, type LatencySummary } from './signaling/stats.ts';

const GOAL_P99_RATIO = 1.5;
const GOAL_IDLE_SOCKETS = 10_000;
const GOAL_IDLE_RSS_BYTES = 1024 ** 3;
const MIB = 1024 ** 2;
const REST_CONCURRENCY = 32;
const CONNECT_CONCURRENCY = 100;
const IDLE_RSS_SAMPLES = 3;

interface Options {
  clients: number;
  rounds: number;
  concurrency: number;
  rate: number;
  latencySeconds: number;
  idle: number;
}

type ServerName = 'backend' | 'bare';
interface RoundResult {
  round: number;
  server: ServerName;
  capacity: PhaseResult;
  latency: PhaseResult;
}

const options = parseOptions();
// Leave through process.exit, so that spawnNodeServer's exit hook kills the servers this run started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
const workDir = await mkdtemp(join(tmpdir(), 'callbridge-bench-'));
const latency = new RelayLatencyRecorder();
const processes: ServerProcess[] = [];
const clients: BenchClient[] = [];

try {
  await main();
} finally {
  await stopAll();
  await rm(workDir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const pairCount = Math.floor(options.clients / 2);
  log(
    `signaling bench: ${pairCount * 2} clients (${pairCount} pairs), ${options.rounds} rounds; capacity with ` +
      `${options.concurrency} calls in flight, latency at ${options.rate} calls/s; ${CANDIDATES_PER_SIDE} ICE ` +
      `candidates per side; node ${process.version}, ${availableParallelism()} cpus (${cpus()[0]?.model ?? '?'})`,
  );

  const backend = await start(spawnBackend(backendEnv('flows')));
  const bare = await start(
    spawnNodeServer(new URL('./signaling/bareRelay.ts', import.meta.url).pathname, {}, (line) => {
      const port = /^listening (\d+)$/.exec(line)?.[1];
      return port === undefined ? null : Number(port);
    }),
  );

  let phase = Date.now();
  const accounts = await mapConcurrent(range(pairCount * 2), REST_CONCURRENCY, (i) =>
    registerAccount(backend.url, `bench${i}`),
  );
  const conversations = await mapConcurrent(range(pairCount), REST_CONCURRENCY, (i) =>
    createConversation(backend.url, accounts[2 * i]!, accounts[2 * i + 1]!),
  );
  log(`registered ${accounts.length} accounts and ${conversations.length} conversations in ${since(phase)}`);

  phase = Date.now();
  const servers: Array<{ name: ServerName; process: ServerProcess; pairs: Pair[]; control: CallControl }> = [
    {
      name: 'backend',
      process: backend,
      pairs: await connectPairs(accounts, conversations, (a) =>
        BenchClient.connect(backend.url, a.userId, { token: a.token, deviceId: a.deviceId }, latency),
      ),
      control: backendCallControl(backend.url),
    },
    {
      name: 'bare',
      process: bare,
      pairs: await connectPairs(accounts, conversations, (a) =>
        BenchClient.connect(bare.url, a.userId, { userId: a.userId }, latency),
      ),
      control: bareCallControl,
    },
  ];
  log(`connected ${clients.length} sockets (backend + bare) in ${since(phase)}`);

  const rounds: RoundResult[] = [];
  for (let r = 1; r <= options.rounds; r++) {
    for (const server of servers) {
      const capacity = await runPhase(server.process, server.pairs, server.control, latency, {
        kind: 'closed',
        concurrency: options.concurrency,
      });
      logPhase(r, server.name, 'capacity', capacity);
      const atRate = await runPhase(
        server.process,
        server.pairs.slice(0, options.rate * options.latencySeconds),
        server.control,
        latency,
        { kind: 'open', callsPerSecond: options.rate },
      );
      logPhase(r, server.name, 'latency ', atRate);
      rounds.push({ round: r, server: server.name, capacity, latency: atRate });
    }
  }
  await stopAll();

  const backendMedian = medianOfRounds(rounds.filter((r) => r.server === 'backend'));
  const bareMedian = medianOfRounds(rounds.filter((r) => r.server === 'bare'));
  const p99Ratios = {
    allRelayed: ratioOf(backendMedian.relayP99Ms, bareMedian.relayP99Ms),
    offerAnswer: ratioOf(backendMedian.sdpP99Ms, bareMedian.sdpP99Ms),
    ice: ratioOf(backendMedian.iceP99Ms, bareMedian.iceP99Ms),
  };
  printMedians({ backend: backendMedian, bare: bareMedian }, p99Ratios);

  const idle = options.idle > 0 ? await idleTest(options.idle) : null;

  const file = await writeResults({ backendMedian, bareMedian, p99Ratios, rounds, idle });
  log(`results: ${file}`);
  if (rounds.some((r) => r.capacity.failures + r.latency.failures > 0)) process.exitCode = 1;
}

async function start(spawning: Promise<ServerProcess>): Promise<ServerProcess> {
  const server = await spawning;
  processes.push(server);
  return server;
}

async function stopAll(): Promise<void> {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(processes.splice(0).map((p) => p.stop()));
}

function backendEnv(name: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: join(workDir, name),
    JWT_SECRET: randomBytes(32).toString('hex'),
    // Production's default level; the `listening` line the bench waits for is logged at info.
    LOG_LEVEL: 'info',
    RATE_LIMIT_MULTIPLIER: '1000000',
    SCRYPT_LOG2_COST: '10',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  };
}

async function connectPairs(
  accounts: Account[],
  conversations: string[],
  connect: (account: Account) => Promise<BenchClient>,
): Promise<Pair[]> {
  const connected = await mapConcurrent(accounts, CONNECT_CONCURRENCY, async (account) => {
    const client = await connect(account);
    clients.push(client);
    return { client, token: account.token, deviceId: account.deviceId };
  });
  return conversations.map((conversationId, i) => ({
    caller: connected[2 * i]!,
    callee: connected[2 * i + 1]!,
    conversationId,
  }));
}

function logPhase(roundNumber: number, server: ServerName, phase: string, p: PhaseResult): void {
  log(
    `round ${roundNumber} ${server.padEnd(7)} ${phase} ${p.calls} calls in ${p.seconds} s = ` +
      `${p.setupsPerSecond} setups/s; setup ${pq(p.setup)}; offer+answer ${pq(p.sdp)}; ICE ${pq(p.ice)}; ` +
      `peak RSS ${mib(p.peakRssBytes)}` +
      (p.failures > 0 ? `; ${p.failures} FAILED (first: ${p.firstError})` : ''),
  );
  if (p.lastServerError !== null) log(`  last server error: ${p.lastServerError}`);
}

function medianOfRounds(rounds: RoundResult[]) {
  const of = (pick: (r: RoundResult) => number | null) => median(rounds.map(pick));
  return {
    setupsPerSecond: of((r) => r.capacity.setupsPerSecond),
    setupP50Ms: of((r) => r.capacity.setup.p50Ms),
    setupP99Ms: of((r) => r.capacity.setup.p99Ms),
    sdpP50Ms: of((r) => r.latency.sdp.p50Ms),
    sdpP99Ms: of((r) => r.latency.sdp.p99Ms),
    iceP50Ms: of((r) => r.latency.ice.p50Ms),
    iceP99Ms: of((r) => r.latency.ice.p99Ms),
    relayP50Ms: of((r) => r.latency.relay.p50Ms),
    relayP99Ms: of((r) => r.latency.relay.p99Ms),
    peakRssBytes: of((r) => Math.max(r.capacity.peakRssBytes, r.latency.peakRssBytes)),
  };
}
type RoundMedians = ReturnType<typeof medianOfRounds>;

function printMedians(
  medians: Record<ServerName, RoundMedians>,
  ratios: { allRelayed: number | null; offerAnswer: number | null; ice: number | null },
): void {
  for (const [name, m] of Object.entries(medians)) {
    log(
      `median ${name.padEnd(7)} capacity ${m.setupsPerSecond} setups/s (setup p50/p99 ${m.setupP50Ms}/` +
        `${m.setupP99Ms} ms); at ${options.rate} calls/s: offer+answer ${m.sdpP50Ms}/${m.sdpP99Ms} ms, ` +
        `ICE ${m.iceP50Ms}/${m.iceP99Ms} ms, all relayed ${m.relayP50Ms}/${m.relayP99Ms} ms; ` +
        `peak RSS ${mib(m.peakRssBytes ?? 0)}`,
    );
  }
  log(
    `relay p99 backend/bare = ${ratios.allRelayed ?? 'n/a'} (goal <= ${GOAL_P99_RATIO}): ` +
      (ratios.allRelayed !== null && ratios.allRelayed <= GOAL_P99_RATIO ? 'MET' : 'MISSED') +
      `; offer+answer alone ${ratios.offerAnswer ?? 'n/a'}, ICE alone ${ratios.ice ?? 'n/a'}`,
  );
}

async function idleTest(count: number) {
  const server = await start(spawnBackend(backendEnv('idle')));
  let phase = Date.now();
  const accounts = await mapConcurrent(range(count), REST_CONCURRENCY, (i) =>
    registerAccount(server.url, `idle${i}`),
  );
  const rssBeforeSocketsBytes = await server.rssBytes();
  log(`idle: registered ${count} accounts in ${since(phase)}`);

  phase = Date.now();
  await mapConcurrent(accounts, CONNECT_CONCURRENCY, async (a) => {
    clients.push(
      await BenchClient.connect(server.url, a.userId, { token: a.token, deviceId: a.deviceId }, latency),
    );
  });
  log(`idle: connected ${count} authenticated sockets in ${since(phase)}`);

  // RSS settles as the connection burst's garbage is collected: the median of a few spaced samples.
  const samples: number[] = [];
  for (let i = 0; i < IDLE_RSS_SAMPLES; i++) {
    await delay(1000);
    samples.push(await server.rssBytes());
  }
  const rssBytes = median(samples)!;
  const bytesPerSocket = Math.round((rssBytes - rssBeforeSocketsBytes) / count);
  const goalMet = count >= GOAL_IDLE_SOCKETS && rssBytes < GOAL_IDLE_RSS_BYTES;
  log(
    `idle: ${count} sockets on one process: RSS ${mib(rssBytes)} (median of ${IDLE_RSS_SAMPLES}; ` +
      `${mib(rssBeforeSocketsBytes)} before the sockets, ~${Math.round(bytesPerSocket / 1024)} KiB/socket); ` +
      `goal ${GOAL_IDLE_SOCKETS} sockets < ${mib(GOAL_IDLE_RSS_BYTES)}: ${goalMet ? 'MET' : 'MISSED'}`,
  );
  await stopAll();
  return { sockets: count, rssBytes, rssBeforeSocketsBytes, bytesPerSocket, goalMet };
}

async function writeResults(results: Record<string, unknown>): Promise<string> {
  const dir = new URL('./results/', import.meta.url).pathname;
  await mkdir(dir, { recursive: true });
  const file = join(dir, `signaling-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const machine = { node: process.version, cpus: availableParallelism(), totalMemBytes: totalmem() };
  const goals = {
    relayP99Ratio: GOAL_P99_RATIO,
    idleSockets: GOAL_IDLE_SOCKETS,
    idleRssBytes: GOAL_IDLE_RSS_BYTES,
  };
  const database = process.env.DATABASE_URL ? 'postgresql' : 'pglite';
  await writeFile(file, JSON.stringify({ options, database, machine, goals, ...results }, null, 2) + '\n');
  return file;
}

function ratioOf(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : round(a / b);
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '2000' },
      rounds: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '50' },
      rate: { type: 'string', default: '10' },
      'latency-seconds': { type: 'string', default: '20' },
      idle: { type: 'string', default: String(GOAL_IDLE_SOCKETS) },
    },
  });
  const limits: Record<keyof Options, [number, number]> = {
    clients: [2, 20_000],
    rounds: [1, 20],
    concurrency: [1, 10_000],
    rate: [1, 10_000],
    latencySeconds: [1, 600],
    idle: [0, 15_000],
  };
  return readIntegerOptions(values, limits);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
function since(startMs: number): string {
  return `${((Date.now() - startMs) / 1000).toFixed(1)} s`;
}
function mib(bytes: number): string {
  return `${Math.round(bytes / MIB)} MiB`;
}
function pq(s: LatencySummary): string {
  return `${s.p50Ms}/${s.p99Ms} ms`;
}
function log(line: string): void {
  process.stdout.write(`${line}\n`);
}
