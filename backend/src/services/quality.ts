/**
 * Connection quality bookkeeping. Each participant's row keeps the latest per-peer samples plus running
 * aggregates (call_participants.media_stats), so the summary written to calls.quality_stats when the call
 * ends needs no sample history: per participant the average and worst RTT, loss and bitrate, and the call's
 * worst quality.
 */
import { z } from 'zod';
import {
  ConnectionQuality,
  PeerQualitySample,
  type CallQualityStats,
  type MetricSummary,
} from '../../../src/shared/protocol/index.ts';

const RANK: Record<ConnectionQuality, number> = { good: 0, fair: 1, poor: 2 };

export function worstQuality(grades: readonly ConnectionQuality[]): ConnectionQuality | null {
  return grades.reduce<ConnectionQuality | null>(
    (worst, g) => (worst === null || RANK[g] > RANK[worst] ? g : worst),
    null,
  );
}

/** `worst` is the highest value for RTT and loss, the lowest for bitrate. */
const Aggregate = z.object({ sum: z.number(), count: z.number().int(), worst: z.number().nullable() });
type Aggregate = z.infer<typeof Aggregate>;

export const StoredMediaStats = z.object({
  latest: z.array(PeerQualitySample),
  reportedAt: z.string(),
  reports: z.number().int(),
  rttMs: Aggregate,
  packetLossPct: Aggregate,
  availableBitrateKbps: Aggregate,
  worstQuality: ConnectionQuality,
});
export type StoredMediaStats = z.infer<typeof StoredMediaStats>;

const EMPTY_AGGREGATE: Aggregate = { sum: 0, count: 0, worst: null };

function addToAggregate(
  agg: Aggregate,
  values: readonly (number | null)[],
  worse: (a: number, b: number) => number,
) {
  return values.reduce<Aggregate>(
    (acc, v) =>
      v === null
        ? acc
        : { sum: acc.sum + v, count: acc.count + 1, worst: acc.worst === null ? v : worse(acc.worst, v) },
    agg,
  );
}

/** Folds one report into a participant's stored stats (null before their first report). */
export function accumulateReport(
  previous: StoredMediaStats | null,
  samples: readonly PeerQualitySample[],
  reportedAt: Date,
): StoredMediaStats {
  const reportWorst = worstQuality(samples.map((s) => s.quality)) ?? 'good';
  return {
    latest: [...samples],
    reportedAt: reportedAt.toISOString(),
    reports: (previous?.reports ?? 0) + 1,
    rttMs: addToAggregate(
      previous?.rttMs ?? EMPTY_AGGREGATE,
      samples.map((s) => s.rttMs),
      Math.max,
    ),
    packetLossPct: addToAggregate(
      previous?.packetLossPct ?? EMPTY_AGGREGATE,
      samples.map((s) => s.packetLossPct),
      Math.max,
    ),
    availableBitrateKbps: addToAggregate(
      previous?.availableBitrateKbps ?? EMPTY_AGGREGATE,
      samples.map((s) => s.availableBitrateKbps),
      Math.min,
    ),
    worstQuality: worstQuality([previous?.worstQuality ?? 'good', reportWorst]) ?? reportWorst,
  };
}

/** Reads media_stats from the database; anything that does not parse counts as no report. */
export function parseStoredMediaStats(value: unknown): StoredMediaStats | null {
  const parsed = StoredMediaStats.safeParse(value);
  return parsed.success ? parsed.data : null;
}

const summariseMetric = (agg: Aggregate): MetricSummary => ({
  avg: agg.count === 0 ? null : Math.round((agg.sum / agg.count) * 100) / 100,
  worst: agg.worst,
});

/** calls.quality_stats: participants that never reported are left out. */
export function summariseCallQuality(
  participants: readonly { userId: string; mediaStats: unknown }[],
): CallQualityStats {
  const summaries = participants.flatMap(({ userId, mediaStats }) => {
    const stats = parseStoredMediaStats(mediaStats);
    if (stats === null) return [];
    return [
      {
        userId,
        reports: stats.reports,
        worstQuality: stats.worstQuality,
        rttMs: summariseMetric(stats.rttMs),
        packetLossPct: summariseMetric(stats.packetLossPct),
        availableBitrateKbps: summariseMetric(stats.availableBitrateKbps),
      },
    ];
  });
  return { worstQuality: worstQuality(summaries.map((s) => s.worstQuality)), participants: summaries };
}
