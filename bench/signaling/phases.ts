/**
 * One bench phase: every pair makes one complete call against one server, either
 * - closed loop (`concurrency` calls in flight, the next starting as one finishes): the server's capacity in
 *   call setups per second, or
 * - open loop (`callsPerSecond` calls started on a fixed clock, whatever the server does): relay latency at
 *   the same offered load for both servers, which a closed loop cannot give (a faster server would be sent
 *   more messages at once and look slower than it is).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ServerProcess } from '../../backend/scripts/backendProcess.ts';
import { runCall, type CallControl, type Pair } from './callFlow.ts';
import { mapConcurrent } from './pool.ts';
import type { RelayLatencyRecorder } from './relayLatency.ts';
import { round, summarize, type LatencySummary } from './stats.ts';

const RSS_SAMPLE_INTERVAL_MS = 250;

export type Schedule = { kind: 'closed'; concurrency: number } | { kind: 'open'; callsPerSecond: number };

export interface PhaseResult {
  calls: number;
  failures: number;
  firstError: string | null;
  /** The server's last error log line when calls failed: clients only ever see `internal`. */
  lastServerError: string | null;
  seconds: number;
  setupsPerSecond: number;
  setup: LatencySummary;
  /** Offer and answer relay latency. */
  sdp: LatencySummary;
  ice: LatencySummary;
  /** Every relayed message, offers, answers and candidates. */
  relay: LatencySummary;
  peakRssBytes: number;
}

export async function runPhase(
  server: ServerProcess,
  pairs: Pair[],
  control: CallControl,
  latency: RelayLatencyRecorder,
  schedule: Schedule,
): Promise<PhaseResult> {
  latency.take();
  const setups: number[] = [];
  const errors: string[] = [];
  const rss = await trackPeakRss(server);
  const oneCall = async (pair: Pair): Promise<void> => {
    try {
      setups.push(await runCall(pair, control, latency));
    } catch (error) {
      errors.push((error as Error).message);
    }
  };

  const started = performance.now();
  if (schedule.kind === 'closed') {
    await mapConcurrent(pairs, schedule.concurrency, oneCall);
  } else {
    const spacingMs = 1000 / schedule.callsPerSecond;
    await Promise.all(
      pairs.map(async (pair, i) => {
        await delay(Math.max(0, started + i * spacingMs - performance.now()));
        await oneCall(pair);
      }),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  const peakRssBytes = await rss.stop();
  const samples = latency.take();

  return {
    calls: setups.length,
    failures: errors.length,
    firstError: errors[0] ?? null,
    lastServerError: errors.length > 0 ? lastErrorLine(server.logTail()) : null,
    seconds: round(seconds)!,
    setupsPerSecond: round(setups.length / seconds, 1)!,
    setup: summarize(setups),
    sdp: summarize(samples.sdp),
    ice: summarize(samples.ice),
    relay: summarize([...samples.sdp, ...samples.ice]),
    peakRssBytes,
  };
}

async function trackPeakRss(server: ServerProcess): Promise<{ stop(): Promise<number> }> {
  let peak = await server.rssBytes();
  const sampler = setInterval(() => {
    // A failed sample means the server died, which the phase's failed calls already report.
    server.rssBytes().then(
      (rss) => (peak = Math.max(peak, rss)),
      () => undefined,
    );
  }, RSS_SAMPLE_INTERVAL_MS);
  return {
    async stop() {
      clearInterval(sampler);
      return Math.max(peak, await server.rssBytes());
    },
  };
}

/** pino writes one JSON object per line; level 50 is error, 60 fatal. Non-JSON output is not the backend's. */
function lastErrorLine(log: string): string | null {
  const errors = log.split('\n').filter((line) => /"level":(50|60)\b/.test(line));
  return errors.at(-1)?.slice(0, 1500) ?? null;
}
