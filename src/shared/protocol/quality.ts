/**
 * Connection quality (spec: "Connection Quality Monitoring"): the spec's thresholds, how a sample is graded,
 * what a client reports per peer, and the per-call summary the server stores when the call ends.
 */
import { z } from 'zod';
import { Uuid } from './primitives.ts';

export const ConnectionQuality = z.enum(['good', 'fair', 'poor']);
export type ConnectionQuality = z.infer<typeof ConnectionQuality>;

/** Spec thresholds, in one place for client classification and server summaries. */
export const QUALITY_THRESHOLDS = {
  rttMs: { good: 100, poor: 300 }, // good < 100, fair 100-300, poor > 300
  packetLossPct: { good: 2, poor: 5 }, // good < 2, fair 2-5, poor > 5
  availableBitrateKbps: { good: 500, poor: 200 }, // good > 500, fair 200-500, poor < 200
} as const;
/** Spec: "Quality is checked every 3 seconds". */
export const QUALITY_SAMPLE_INTERVAL_MS = 3000;

const qualityRank: Record<ConnectionQuality, number> = { good: 0, fair: 1, poor: 2 };

/**
 * Classifies one peer's measurements by the spec's thresholds; the worst of the three metrics wins.
 * A metric that could not be measured (null) does not count.
 */
export function classifyQuality(sample: {
  rttMs: number | null;
  packetLossPct: number | null;
  availableBitrateKbps: number | null;
}): ConnectionQuality {
  const t = QUALITY_THRESHOLDS;
  const grades: ConnectionQuality[] = [];
  if (sample.rttMs !== null) {
    grades.push(sample.rttMs < t.rttMs.good ? 'good' : sample.rttMs > t.rttMs.poor ? 'poor' : 'fair');
  }
  if (sample.packetLossPct !== null) {
    grades.push(
      sample.packetLossPct < t.packetLossPct.good
        ? 'good'
        : sample.packetLossPct > t.packetLossPct.poor
          ? 'poor'
          : 'fair',
    );
  }
  if (sample.availableBitrateKbps !== null) {
    grades.push(
      sample.availableBitrateKbps > t.availableBitrateKbps.good
        ? 'good'
        : sample.availableBitrateKbps < t.availableBitrateKbps.poor
          ? 'poor'
          : 'fair',
    );
  }
  return grades.reduce<ConnectionQuality>(
    (worst, g) => (qualityRank[g] > qualityRank[worst] ? g : worst),
    'good',
  );
}

/** The largest jitter a quality report may carry: beyond a minute it is no measurement. */
export const MAX_JITTER_MS = 60_000;

const rttMs = z.number().nonnegative().max(60_000).nullable();
const packetLossPct = z.number().min(0).max(100).nullable();
const bitrateKbps = z.number().nonnegative().max(10_000_000).nullable();
const perSecond = z.number().nonnegative().max(100_000).nullable();

/**
 * One direction of a link to a peer, graded with the same thresholds (extension: optional in the sample).
 * `packetLossPct` is loss before repair (retransmissions count as lost); `bitrateKbps` is what the receiver
 * actually got ('receive') or the sender's bandwidth estimate toward the peer ('send').
 */
export const LinkDirectionQuality = z.object({
  quality: ConnectionQuality,
  rttMs,
  packetLossPct,
  bitrateKbps,
  jitterMs: z.number().nonnegative().max(MAX_JITTER_MS).nullable(),
  nackPerSecond: perSecond,
  pliPerSecond: perSecond,
  /** Video freezes the receiver saw in the interval ('receive' only). */
  freezes: z.number().int().nonnegative().max(10_000).nullable(),
});
export type LinkDirectionQuality = z.infer<typeof LinkDirectionQuality>;

/**
 * The top-level metrics are the worse of the two directions (the badge), `receive` ("you receive them") and
 * `send` ("they receive you") say which one it is.
 */
export const PeerQualitySample = z.object({
  peerUserId: Uuid,
  rttMs,
  packetLossPct,
  availableBitrateKbps: bitrateKbps,
  quality: ConnectionQuality,
  receive: LinkDirectionQuality.optional(),
  send: LinkDirectionQuality.optional(),
  /** Our video toward this peer is paused (the send ladder's audio-only rung). */
  videoPaused: z.boolean().optional(),
});
export type PeerQualitySample = z.infer<typeof PeerQualitySample>;

/** Average and worst of one metric over a call ("worst": highest RTT or loss, lowest bitrate). */
export const MetricSummary = z.object({ avg: z.number().nullable(), worst: z.number().nullable() });
export type MetricSummary = z.infer<typeof MetricSummary>;

/** calls.quality_stats, written when the call ends: one entry per participant who sent quality reports. */
export const CallQualityStats = z.object({
  worstQuality: ConnectionQuality.nullable(),
  participants: z.array(
    z.object({
      userId: Uuid,
      reports: z.number().int().nonnegative(),
      worstQuality: ConnectionQuality,
      rttMs: MetricSummary,
      packetLossPct: MetricSummary,
      availableBitrateKbps: MetricSummary,
    }),
  ),
});
export type CallQualityStats = z.infer<typeof CallQualityStats>;
