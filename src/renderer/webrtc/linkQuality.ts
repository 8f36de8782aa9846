import { classifyQuality, MAX_JITTER_MS } from '../../shared/protocol/index.ts';
import type {
  ConnectionQuality,
  LinkDirectionQuality,
  PeerQualitySample,
} from '../../shared/protocol/index.ts';
import type { StatsEntry } from './connectionStats.ts';

/**
 * Grades both directions of the media exchanged with one peer from two getStats() reports 3 s apart:
 *
 * - "you receive them" ('receive'): our inbound-rtp streams. Bitrate is what actually arrived; loss is
 *   packetsLost, which is loss before repair: Chromium keeps a packet that RTX brought back out of its
 *   stream's receive statistics, so it stays counted as lost. (Measured in the NAT lab: at 8 % random loss
 *   packetsLost was 7-10 % of the packets expected and matched the sender's retransmittedPacketsSent.) The
 *   RTX stream's own retransmittedPacketsReceived is no measure of loss: it also counts the old packets
 *   Chromium resends as bandwidth probes, 100-400 in 3 s while the sender climbs to HD, against a handful of
 *   NACKs. (Without RTX, e.g. Janus retransmitting on the original SSRC, a repaired packet counts as
 *   received and loss is after repair.)
 * - "they receive you" ('send'): the peer's RTCP receiver reports (remote-inbound-rtp packetsLost, jitter),
 *   which come from the same statistics and so are loss before repair too; the bitrate is our congestion
 *   controller's estimate of what the path to them carries (availableOutgoingBitrate).
 *
 * Both share the path's round-trip time. The top-level sample is the worse direction, metric by metric.
 */

/** Cumulative counters of one report, kept until the next sample to compute rates over the interval. */
export interface LinkCounters {
  atMs: number;
  /** Whether one of our encoders reports bandwidth as what limits it now (a state, not a counter). */
  sendBandwidthLimited: boolean;
  inbound: {
    packetsReceived: number;
    packetsLost: number;
    bytesReceived: number;
    /**
     * Video frames that arrived whole (`framesReceived`), not frames decoded: a receiver whose own CPU falls
     * behind decodes fewer, and that says nothing about the link. `framesDecoded` where a browser lacks it.
     */
    videoFramesReceived: number;
    /** The tallest picture being decoded now (not a counter). */
    videoFrameHeight: number;
    nackCount: number;
    pliCount: number;
    freezeCount: number;
  };
  outbound: {
    packetsSent: number;
    bytesSent: number;
    retransmittedPacketsSent: number;
    remotePacketsLost: number;
    nackCount: number;
    pliCount: number;
  };
}

export interface PathMeasurement {
  rttMs: number | null;
  availableOutgoingBitrateKbps: number | null;
}

const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;
const count = (value: unknown): number => num(value) ?? 0;

export function readLinkCounters(entries: Iterable<StatsEntry>): LinkCounters {
  const counters: LinkCounters = {
    atMs: 0,
    sendBandwidthLimited: false,
    inbound: {
      packetsReceived: 0,
      packetsLost: 0,
      bytesReceived: 0,
      videoFramesReceived: 0,
      videoFrameHeight: 0,
      nackCount: 0,
      pliCount: 0,
      freezeCount: 0,
    },
    outbound: {
      packetsSent: 0,
      bytesSent: 0,
      retransmittedPacketsSent: 0,
      remotePacketsLost: 0,
      nackCount: 0,
      pliCount: 0,
    },
  };
  const { inbound, outbound } = counters;
  for (const e of entries) {
    counters.atMs = Math.max(counters.atMs, count(e.timestamp));
    if (e.type === 'inbound-rtp') {
      inbound.packetsReceived += count(e.packetsReceived);
      inbound.packetsLost += count(e.packetsLost);
      inbound.bytesReceived += count(e.bytesReceived) + count(e.headerBytesReceived);
      if (e.kind === 'video') {
        inbound.videoFramesReceived += count(e.framesReceived ?? e.framesDecoded);
        inbound.videoFrameHeight = Math.max(inbound.videoFrameHeight, count(e.frameHeight));
      }
      inbound.nackCount += count(e.nackCount);
      inbound.pliCount += count(e.pliCount);
      inbound.freezeCount += count(e.freezeCount);
    } else if (e.type === 'outbound-rtp') {
      outbound.packetsSent += count(e.packetsSent);
      outbound.bytesSent += count(e.bytesSent) + count(e.headerBytesSent);
      if (e.qualityLimitationReason === 'bandwidth') counters.sendBandwidthLimited = true;
      outbound.retransmittedPacketsSent += count(e.retransmittedPacketsSent);
      outbound.nackCount += count(e.nackCount);
      outbound.pliCount += count(e.pliCount);
    } else if (e.type === 'remote-inbound-rtp') {
      outbound.remotePacketsLost += count(e.packetsLost);
    }
  }
  return counters;
}

/**
 * The highest jitter among the streams of one direction, in ms (the stream a person notices first). A value
 * beyond the protocol's bound counts as none: receiver reports on the SFU path have carried such values, and
 * a quality report holding one is refused by the server, losing the whole sample.
 */
function maxJitterMs(
  entries: Iterable<StatsEntry>,
  type: 'inbound-rtp' | 'remote-inbound-rtp',
): number | null {
  let max: number | null = null;
  for (const e of entries) {
    const jitter = e.type === type ? num(e.jitter) : null;
    if (jitter !== null && jitter * 1000 <= MAX_JITTER_MS) max = Math.max(max ?? 0, jitter);
  }
  return max === null ? null : Math.round(max * 1000);
}

/** lost / expected over the interval, in percent with two decimals; null when nothing was expected. */
function lossPct(lost: number, expected: number): number | null {
  if (expected <= 0) return null;
  return Math.round(Math.min(1, Math.max(0, lost / expected)) * 10_000) / 100;
}

const perSecond = (delta: number, seconds: number): number =>
  Math.round((Math.max(0, delta) / seconds) * 10) / 10;

function grade(
  metrics: Pick<LinkDirectionQuality, 'rttMs' | 'packetLossPct' | 'bitrateKbps'>,
): ConnectionQuality {
  return classifyQuality({ ...metrics, availableBitrateKbps: metrics.bitrateKbps });
}

export interface LinkSampleInput {
  previous: LinkCounters | null;
  current: LinkCounters;
  entries: readonly StatsEntry[];
  path: PathMeasurement;
  /**
   * Whether our bandwidth estimate counts: while only Opus (~32 kbps) is sent the congestion controller
   * never probes above its start value, so the estimate says nothing about the link.
   */
  sendingVideo: boolean;
  /**
   * On the SFU the picture received is the simulcast layer this client asked for (by tile size): its bitrate
   * is our choice, not what the link allows, so it does not count for the grade (loss and RTT still do).
   */
  chosenLayer?: boolean;
}

/**
 * Null when the interval cannot be measured: no previous sample, or counters that went backwards (a new
 * connection replaced the old one).
 */
function interval(previous: LinkCounters | null, current: LinkCounters): number | null {
  if (!previous) return null;
  const seconds = (current.atMs - previous.atMs) / 1000;
  if (seconds <= 0) return null;
  if (current.inbound.packetsReceived < previous.inbound.packetsReceived) return null;
  if (current.outbound.packetsSent < previous.outbound.packetsSent) return null;
  return seconds;
}

/** `gradedBitrateKbps`: the received bitrate when it counted for the grade (see below), else null. */
export function gradeReceive(input: LinkSampleInput): {
  link: LinkDirectionQuality;
  gradedBitrateKbps: number | null;
} {
  const { previous, current, entries, path } = input;
  const seconds = interval(previous, current);
  const rttMs = path.rttMs;
  const jitterMs = maxJitterMs(entries, 'inbound-rtp');
  if (seconds === null || !previous) {
    const metrics = { rttMs, packetLossPct: null, bitrateKbps: null };
    return { link: { ...metrics, quality: grade(metrics), ...NO_RATES, jitterMs }, gradedBitrateKbps: null };
  }
  const d = (key: keyof LinkCounters['inbound']) => current.inbound[key] - previous.inbound[key];
  const lostNow = Math.max(0, d('packetsLost'));
  const packetLossPct = lossPct(lostNow, d('packetsReceived') + lostNow);
  const fps = d('videoFramesReceived') / seconds;
  const receivedKbps = fps > 0 ? Math.round((d('bytesReceived') * 8) / seconds / 1000) : null;
  // Only while video arrives does the received bitrate say something about the link (audio alone is ~40
  // kbps), and only while the sender is visibly held back: a still scene at full frame rate and size needs
  // little, and grading that would call a fine link poor. A held-back sender drops frames or scales down.
  const heldBack = fps < FULL_MOTION_FPS || current.inbound.videoFrameHeight < FULL_SIZE_HEIGHT;
  const gradedBitrateKbps = heldBack && input.chosenLayer !== true ? receivedKbps : null;
  const link: LinkDirectionQuality = {
    rttMs,
    packetLossPct,
    bitrateKbps: receivedKbps,
    quality: grade({ rttMs, packetLossPct, bitrateKbps: gradedBitrateKbps }),
    jitterMs,
    nackPerSecond: perSecond(d('nackCount'), seconds),
    pliPerSecond: perSecond(d('pliCount'), seconds),
    freezes: Math.max(0, d('freezeCount')),
  };
  return { link, gradedBitrateKbps };
}

/**
 * `gradedBitrateKbps`: the estimate when it counted for the grade (see below), else null.
 * `residualLossPct`: what stayed lost after retransmission, the loss the peer actually sees and hears: what
 * they reported lost less what we retransmitted, as if every retransmission arrived (one is lost again at
 * the path's loss rate, so this reads a little low: 0.6 % of 8 % random loss).
 * `estimatePressed`: whether we want more than the estimate gives (see ESTIMATE_PRESSED).
 * `sentKbps`: all we sent over the interval (media, headers, retransmissions); null without an interval.
 */
export function gradeSend(input: LinkSampleInput): {
  link: LinkDirectionQuality;
  gradedBitrateKbps: number | null;
  residualLossPct: number | null;
  estimatePressed: boolean;
  sentKbps: number | null;
} {
  const { previous, current, entries, path, sendingVideo } = input;
  const seconds = interval(previous, current);
  const bitrateKbps = sendingVideo ? path.availableOutgoingBitrateKbps : null;
  const jitterMs = maxJitterMs(entries, 'remote-inbound-rtp');
  if (seconds === null || !previous) {
    // One report cannot tell whether the estimate was put to the test (below): it does not count yet.
    const metrics = { rttMs: path.rttMs, packetLossPct: null, bitrateKbps: null };
    return {
      link: { ...metrics, bitrateKbps, quality: grade(metrics), ...NO_RATES, jitterMs },
      gradedBitrateKbps: null,
      residualLossPct: null,
      estimatePressed: false,
      sentKbps: null,
    };
  }
  const d = (key: keyof LinkCounters['outbound']) => current.outbound[key] - previous.outbound[key];
  const retransmitted = Math.max(0, d('retransmittedPacketsSent'));
  const originals = d('packetsSent') - retransmitted;
  // Receiver reports arrive about once a second; an interval without a new one has no loss figure.
  const lost = Math.max(0, d('remotePacketsLost'));
  const packetLossPct = lossPct(lost, originals);
  // The estimate only says what the path carries once it was put to the test: while we send far less than
  // it (a still picture, a rung capped below the link), the congestion controller has not probed and its
  // figure is a leftover. It counts when we use most of it or the encoder says bandwidth holds it back.
  const sentKbps = (d('bytesSent') * 8) / seconds / 1000;
  const tested =
    bitrateKbps !== null && (current.sendBandwidthLimited || sentKbps >= bitrateKbps * ESTIMATE_IN_USE);
  const gradedBitrateKbps = tested ? bitrateKbps : null;
  const link: LinkDirectionQuality = {
    rttMs: path.rttMs,
    packetLossPct,
    bitrateKbps,
    quality: grade({ rttMs: path.rttMs, packetLossPct, bitrateKbps: gradedBitrateKbps }),
    jitterMs,
    nackPerSecond: perSecond(d('nackCount'), seconds),
    pliPerSecond: perSecond(d('pliCount'), seconds),
    freezes: null,
  };
  const estimatePressed =
    tested && (current.sendBandwidthLimited || sentKbps >= bitrateKbps * ESTIMATE_PRESSED);
  const residualLossPct = lossPct(Math.max(0, lost - retransmitted), originals);
  return { link, gradedBitrateKbps, residualLossPct, estimatePressed, sentKbps };
}

/** The share of the bandwidth estimate we must be sending for the estimate to describe the link. */
const ESTIMATE_IN_USE = 0.6;
/**
 * The share that says we want more than the estimate gives. An app-limited sender (a still picture, a rung
 * capped below the link) sends about two thirds of it: Chromium lets the estimate grow to ~1.5x what is
 * acknowledged and no further, so the figure only echoes the sender, and a lower rung would gain nothing.
 */
const ESTIMATE_PRESSED = 0.85;
/** Below these the sender is dropping frames or has scaled its picture down (LD is 240 lines). */
const FULL_MOTION_FPS = 20;
const FULL_SIZE_HEIGHT = 360;

const NO_RATES = { nackPerSecond: null, pliPerSecond: null, freezes: null } as const;

const maxOrNull = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.max(a, b);
const minOrNull = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.min(a, b);

/**
 * The sample the badge shows: both directions, and on top the worse value of each metric. Also what the
 * send ladder follows: the bandwidth estimate when it was put to the test (else null), and the peer's loss
 * after repair (a lower rung does not make random loss go away; only loss that NACKs cannot repair hurts).
 */
export function gradePeerLink(
  peerUserId: string,
  input: LinkSampleInput,
): {
  sample: PeerQualitySample;
  testedEstimateKbps: number | null;
  estimatePressed: boolean;
  residualSendLossPct: number | null;
  sentKbps: number | null;
} {
  const { link: receive, gradedBitrateKbps: received } = gradeReceive(input);
  const {
    link: send,
    gradedBitrateKbps: estimated,
    residualLossPct,
    estimatePressed,
    sentKbps,
  } = gradeSend(input);
  const metrics = {
    rttMs: input.path.rttMs === null ? null : Math.min(input.path.rttMs, 60_000),
    packetLossPct: maxOrNull(receive.packetLossPct, send.packetLossPct),
    availableBitrateKbps: minOrNull(received, estimated),
  };
  const sample = { peerUserId, ...metrics, quality: classifyQuality(metrics), receive, send };
  return {
    sample,
    testedEstimateKbps: estimated,
    estimatePressed,
    residualSendLossPct: residualLossPct,
    sentKbps,
  };
}
