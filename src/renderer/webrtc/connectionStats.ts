import type { PathMeasurement } from './linkQuality.ts';

/**
 * Pure readers over a getStats() report. They take the report's entries as plain records so they can be
 * checked in Node against captured reports; the browser's RTCStatsReport is passed as `report.values()`.
 */
export type StatsEntry = { id: string; type: string } & Record<string, unknown>;

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

/** The path's round-trip time and our bandwidth estimate on it. */
export function measureConnection(entries: Iterable<StatsEntry>): PathMeasurement {
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

  return {
    rttMs: rttSeconds === null ? null : Math.round(rttSeconds * 1000),
    availableOutgoingBitrateKbps: bitrateBps === null ? null : Math.round(bitrateBps / 1000),
  };
}

/** What a viewer of this peer receives: the numbers the e2e tests and the debug overlay read. */
export interface ReceivedMediaSummary {
  framesDecoded: number;
  audioPacketsReceived: number;
  /** Payload and header bytes of every inbound stream, to compute the received bitrate. */
  bytesReceived: number;
  frameWidth: number | null;
  frameHeight: number | null;
  /** e.g. 'video/VP9'; null before the first video packet. */
  videoCodec: string | null;
  /** The candidate types of the pair media flows on ('relay' through TURN); null before ICE picked one. */
  candidatePair: { local: string; remote: string } | null;
}

function candidateTypes(byId: Map<string, StatsEntry>): ReceivedMediaSummary['candidatePair'] {
  const pair = selectedCandidatePair(byId);
  const type = (id: unknown) => (typeof id === 'string' ? byId.get(id)?.candidateType : undefined);
  const [local, remote] = [type(pair?.localCandidateId), type(pair?.remoteCandidateId)];
  return typeof local === 'string' && typeof remote === 'string' ? { local, remote } : null;
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
    bytesReceived: 0,
    frameWidth: null,
    frameHeight: null,
    videoCodec: null,
    candidatePair: candidateTypes(byId),
  };
  // With several video receivers (a screen added to an audio call), the latest active one describes the picture.
  let latestVideoPacketAt = -Infinity;
  for (const entry of byId.values()) {
    if (entry.type !== 'inbound-rtp') continue;
    summary.bytesReceived += (num(entry.bytesReceived) ?? 0) + (num(entry.headerBytesReceived) ?? 0);
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
