import { QUALITY_SAMPLE_INTERVAL_MS } from '../../shared/protocol/index.ts';
import type { PeerQualitySample } from '../../shared/protocol/index.ts';
import { measureConnection } from './connectionStats.ts';
import { gradePeerLink, readLinkCounters } from './linkQuality.ts';
import type { LinkCounters } from './linkQuality.ts';
import { INITIAL_LADDER_STATE, nextLadderState } from './qualityLadder.ts';
import type { LadderInput, LadderState, VideoProfileName } from './qualityLadder.ts';
import type { TransportRouter } from './transportRouter.ts';
import type { PeerState } from './types.ts';

/** Spec: the client samples every 3 s and reports the latest sample per peer about every 10 s. */
export const QUALITY_REPORT_INTERVAL_MS = 10_000;
/** Fast enough for the active-speaker highlight to follow a conversation, slow enough to stay cheap. */
export const AUDIO_LEVEL_INTERVAL_MS = 250;
/** How soon after media starts toward a peer its first sample is graded (see sampleSoon). */
export const FIRST_SAMPLE_AFTER_MS = 1000;
/** Rates over a shorter interval are noise: a sample that comes this soon after the last waits a tick. */
const MIN_SAMPLE_INTERVAL_MS = 900;

export interface QualityMonitorOptions {
  selfUserId: string;
  router: TransportRouter;
  /** The engine's participants and their connection state: only connected ones are sampled. */
  peerStates: ReadonlyMap<string, PeerState>;
  /** What we send now, for the grading and the ladder's floor. */
  sending(): { video: boolean; screen: boolean; audioEnabled: boolean };
  closed(): boolean;
  quality(userId: string, sample: PeerQualitySample): void;
  audioLevels(levels: Record<string, number>): void;
  onQualityReport?: ((samples: PeerQualitySample[]) => void) | undefined;
}

/**
 * The periodic reads of a call's connection statistics: every 3 s each connected participant's link is
 * graded (and on the mesh the send ladder takes a step), about every 10 s the latest samples are reported
 * to the server, and four times a second everyone's audio level is read for the active-speaker highlight.
 */
export class QualityMonitor {
  private readonly options: QualityMonitorOptions;
  private readonly timers: ReturnType<typeof setInterval>[];
  private readonly ladders = new Map<string, LadderState>();
  private readonly linkCounters = new Map<string, LinkCounters>();
  private readonly latestSamples = new Map<string, PeerQualitySample>();
  private readonly soonTimers = new Set<ReturnType<typeof setTimeout>>();
  private readonly peersBeingSampled = new Set<string>();
  private sampling = false;
  private readingLevels = false;

  constructor(options: QualityMonitorOptions) {
    this.options = options;
    this.timers = [
      setInterval(() => void this.sampleQuality(), QUALITY_SAMPLE_INTERVAL_MS),
      setInterval(() => this.reportQuality(), QUALITY_REPORT_INTERVAL_MS),
      setInterval(() => void this.emitAudioLevels(), AUDIO_LEVEL_INTERVAL_MS),
    ];
  }

  /** The participant's connection changed or went: its ladder, counters and unsent sample start over. */
  forget(userId: string): void {
    this.ladders.delete(userId);
    this.linkCounters.delete(userId);
    this.latestSamples.delete(userId);
  }

  stop(): void {
    this.timers.forEach((timer) => clearInterval(timer));
    this.soonTimers.forEach((timer) => clearTimeout(timer));
    this.soonTimers.clear();
    this.ladders.clear();
    this.linkCounters.clear();
    this.latestSamples.clear();
  }

  /**
   * Media toward `userId` starts or restarts now (they or we answered, the connection came up): the
   * counters are read now and graded FIRST_SAMPLE_AFTER_MS later, so a capped link settles about a second
   * after the answer instead of waiting for the next 3 s tick and then a full interval of its own. The
   * interval then holds sent media only, not the ringing before it that sent nothing.
   */
  sampleSoon(userId: string): void {
    this.linkCounters.delete(userId);
    void this.samplePeer(userId, false);
    const timer = setTimeout(() => {
      this.soonTimers.delete(timer);
      void this.samplePeer(userId, true);
    }, FIRST_SAMPLE_AFTER_MS);
    this.soonTimers.add(timer);
  }

  private async sampleQuality(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      for (const [userId, state] of this.options.peerStates) {
        if (state === 'connected') await this.samplePeer(userId, false);
      }
    } finally {
      this.sampling = false;
    }
  }

  /** `startingUp`: the sample sampleSoon asked for (see LadderInput.startingUp). */
  private async samplePeer(userId: string, startingUp: boolean): Promise<void> {
    const { router, peerStates } = this.options;
    if (this.peersBeingSampled.has(userId)) return;
    this.peersBeingSampled.add(userId);
    try {
      const report = await router.transportFor(userId)?.getStats(userId);
      if (!report || this.options.closed() || peerStates.get(userId) !== 'connected') return;
      const entries = [...report.values()];
      const current = readLinkCounters(entries);
      const previous = this.linkCounters.get(userId) ?? null;
      if (previous && current.atMs - previous.atMs < MIN_SAMPLE_INTERVAL_MS) return;
      this.linkCounters.set(userId, current);
      const sending = this.options.sending();
      const path = measureConnection(entries);
      const viaSfu = router.viaOf(userId) === 'sfu';
      const link = gradePeerLink(userId, {
        previous,
        current,
        entries,
        path,
        sendingVideo: sending.video,
        chosenLayer: viaSfu,
      });
      // The ladder is the mesh's: on the SFU, simulcast adapts per viewer and nothing is ever paused.
      const profile = viaSfu
        ? null
        : this.adaptSendProfile(userId, link, sending.screen ? 'ld' : 'audio', startingUp);
      const sample = profile === 'audio' ? { ...link.sample, videoPaused: true } : link.sample;
      this.latestSamples.set(userId, sample);
      this.options.quality(userId, sample);
    } finally {
      this.peersBeingSampled.delete(userId);
    }
  }

  /** One step of the peer's send ladder (qualityLadder.ts); returns the rung now sent toward them. */
  private adaptSendProfile(
    userId: string,
    link: ReturnType<typeof gradePeerLink>,
    floor: LadderInput['floor'],
    startingUp: boolean,
  ): VideoProfileName {
    const previous = this.ladders.get(userId) ?? INITIAL_LADDER_STATE;
    // An interval in which nothing went out (a device that rings holds its media) says nothing about the
    // link: counted as clean, a long ring would start a try up just as the answer starts the media.
    if ((link.sentKbps ?? 0) <= 0) return previous.profile;
    const next = nextLadderState(previous, {
      estimateKbps: link.testedEstimateKbps,
      estimatePressed: link.estimatePressed,
      peerLossPct: link.residualSendLossPct,
      sendLossPct: link.sample.send?.packetLossPct ?? null,
      sentKbps: link.sentKbps,
      floor,
      startingUp,
    });
    this.ladders.set(userId, next);
    if (next.profile !== previous.profile) {
      this.options.router.transportFor(userId)?.setSendProfile(userId, next.profile);
    }
    return next.profile;
  }

  private reportQuality(): void {
    if (this.latestSamples.size === 0) return;
    const samples = [...this.latestSamples.values()];
    // Sent once: a peer whose stats stopped coming must not be reported with stale numbers.
    this.latestSamples.clear();
    this.options.onQualityReport?.(samples);
  }

  private async emitAudioLevels(): Promise<void> {
    const { peerStates } = this.options;
    if (this.readingLevels || ![...peerStates.values()].includes('connected')) return;
    this.readingLevels = true;
    try {
      const { local, remote } = await this.options.router.readAudioLevels();
      if (this.options.closed()) return;
      // Every connected participant is listed, silent (0) until their first audio packet carries a level.
      const levels: Record<string, number> = {};
      for (const [userId, state] of peerStates) {
        if (state === 'connected') levels[userId] = remote.get(userId) ?? 0;
      }
      levels[this.options.selfUserId] = this.options.sending().audioEnabled ? (local ?? 0) : 0;
      this.options.audioLevels(levels);
    } finally {
      this.readingLevels = false;
    }
  }
}
