import { classifyQuality } from '../../shared/protocol.ts';
import type { PeerQualitySample } from '../../shared/protocol.ts';

/**
 * Pure readers over a getStats() report. They take the report's entries as plain records so they can be
 * checked in Node against captured reports; the browser's RTCStatsReport is passed as `report.values()`.
 */
export type StatsEntry = { id: string; type: string } & Record<string, unknown>;

/** Cumulative inbound packet counters, kept between samples to compute loss over one interval. */
export interface LossCounters {
  packetsReceived: number;
  packetsLost: number;
}

export interface ConnectionMeasurement {
  rttMs: number | null;
  availableOutgoingBitrateKbps: number | null;
  counters: LossCounters;
}

const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

function indexById(entries: Iterable<StatsEntry>): Map<string, StatsEntry> {
  const byId = new Map<string, StatsEntry>();
  for (const entry of entries) byId.set(entry.id, entry);
  return byId;
}

/** The candidate pair ICE is sending media on: the transport's selected pair, else the nominated one. */
function selectedCandidatePair(byId: Map<string, StatsEntry>): StatsEntry | null {
  for (const entry of byId.values()) {
    if (entry.type === 'transport' && typeof entry.selectedCandidatePairId === 'string') {
      const pair = byId.get(entry.selectedCandidatePairId);
      if (pair) return pair;
    }
  }
  for (const entry of byId.values()) {
    if (entry.type === 'candidate-pair' && entry.nominated === true && entry.state === 'succeeded')
      return entry;
  }
  return null;
}

export function measureConnection(entries: Iterable<StatsEntry>): ConnectionMeasurement {
  const byId = indexById(entries);
  const pair = selectedCandidatePair(byId);

  let rttSeconds = pair ? num(pair.currentRoundTripTime) : null;
  if (rttSeconds === null) {
    // No STUN RTT yet (or a pair without it): RTCP's view of the same path is the next best thing.
    const rtts = [...byId.values()]
      .filter((e) => e.type === 'remote-inbound-rtp')
      .map((e) => num(e.roundTripTime))
      .filter((v): v is number => v !== null);
    rttSeconds = rtts.length > 0 ? Math.max(...rtts) : null;
  }

  const bitrateBps = pair ? num(pair.availableOutgoingBitrate) : null;

  const counters: LossCounters = { packetsReceived: 0, packetsLost: 0 };
  for (const entry of byId.values()) {
    if (entry.type !== 'inbound-rtp') continue;
    counters.packetsReceived += num(entry.packetsReceived) ?? 0;
    counters.packetsLost += num(entry.packetsLost) ?? 0;
  }

  return {
    rttMs: rttSeconds === null ? null : Math.round(rttSeconds * 1000),
    availableOutgoingBitrateKbps: bitrateBps === null ? null : Math.round(bitrateBps / 1000),
    counters,
  };
}

/**
 * Packet loss over one interval, in percent: lost / (received + lost) of the deltas. Null when there is no
 * previous sample, nothing arrived in the interval, or the counters went backwards (a new connection).
 * packetsLost itself may shrink a little (late or duplicated packets), which is clamped to no loss.
 */
export function intervalPacketLossPct(previous: LossCounters | null, current: LossCounters): number | null {
  if (!previous) return null;
  const received = current.packetsReceived - previous.packetsReceived;
  if (received < 0) return null;
  const lost = Math.max(0, current.packetsLost - previous.packetsLost);
  if (received + lost === 0) return null;
  return Math.round((lost / (received + lost)) * 10_000) / 100;
}

/**
 * One peer's sample, classified with the spec's thresholds. `sendingVideo` decides whether the available
 * outgoing bitrate counts: while only Opus (~32 kbps) is sent the congestion controller never probes above
 * its start value, so the estimate says nothing about the link and would mark every audio call 'fair'.
 */
export function toQualitySample(
  peerUserId: string,
  measurement: ConnectionMeasurement,
  packetLossPct: number | null,
  sendingVideo: boolean,
): PeerQualitySample {
  const metrics = {
    rttMs: measurement.rttMs === null ? null : Math.min(measurement.rttMs, 60_000),
    packetLossPct,
    availableBitrateKbps: sendingVideo ? measurement.availableOutgoingBitrateKbps : null,
  };
  return { peerUserId, ...metrics, quality: classifyQuality(metrics) };
}

/** What a viewer of this peer receives: the numbers the e2e tests and the debug overlay read. */
export interface ReceivedMediaSummary {
  framesDecoded: number;
  audioPacketsReceived: number;
  frameWidth: number | null;
  frameHeight: number | null;
  /** e.g. 'video/VP9'; null before the first video packet. */
  videoCodec: string | null;
}

/**
 * RTP payload bytes we sent per kind. Zero on both while a call rings: the connection is up (instant answer)
 * but nothing is captured into it before the user answers.
 */
export function mediaBytesSent(entries: Iterable<StatsEntry>): { audio: number; video: number } {
  const sent = { audio: 0, video: 0 };
  for (const entry of entries) {
    if (entry.type === 'outbound-rtp' && (entry.kind === 'audio' || entry.kind === 'video')) {
      sent[entry.kind] += num(entry.bytesSent) ?? 0;
    }
  }
  return sent;
}

export function summarizeReceivedMedia(entries: Iterable<StatsEntry>): ReceivedMediaSummary {
  const byId = indexById(entries);
  const summary: ReceivedMediaSummary = {
    framesDecoded: 0,
    audioPacketsReceived: 0,
    frameWidth: null,
    frameHeight: null,
    videoCodec: null,
  };
  // With several video receivers (a screen added to an audio call), the latest active one describes the picture.
  let latestVideoPacketAt = -Infinity;
  for (const entry of byId.values()) {
    if (entry.type !== 'inbound-rtp') continue;
    if (entry.kind === 'audio') {
      summary.audioPacketsReceived += num(entry.packetsReceived) ?? 0;
      continue;
    }
    if (entry.kind !== 'video') continue;
    summary.framesDecoded += num(entry.framesDecoded) ?? 0;
    const lastPacketAt = num(entry.lastPacketReceivedTimestamp) ?? -1;
    if (lastPacketAt > latestVideoPacketAt) {
      latestVideoPacketAt = lastPacketAt;
      summary.frameWidth = num(entry.frameWidth);
      summary.frameHeight = num(entry.frameHeight);
      const codec = typeof entry.codecId === 'string' ? byId.get(entry.codecId) : undefined;
      summary.videoCodec = typeof codec?.mimeType === 'string' ? codec.mimeType : null;
    }
  }
  return summary;
}

/** The level of our own microphone as the sender sees it (media-source stats), 0..1. */
export function localAudioLevel(entries: Iterable<StatsEntry>): number | null {
  for (const entry of entries) {
    if (entry.type === 'media-source' && entry.kind === 'audio') return num(entry.audioLevel);
  }
  return null;
}
