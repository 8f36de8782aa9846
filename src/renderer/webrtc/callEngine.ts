import { QUALITY_SAMPLE_INTERVAL_MS } from '../../shared/protocol.ts';
import type { AnswerEvent, IceCandidateEvent, OfferEvent, PeerQualitySample } from '../../shared/protocol.ts';
import {
  intervalPacketLossPct,
  measureConnection,
  summarizeReceivedMedia,
  toQualitySample,
} from './connectionStats.ts';
import type { LossCounters, ReceivedMediaSummary } from './connectionStats.ts';
import { IceServerProvider, turnCredentialsKey } from './iceServerProvider.ts';
import { parseAnswerEvent, parseIceCandidateEvent, parseOfferEvent } from './inboundSignals.ts';
import { LocalMedia } from './localMedia.ts';
import { NO_OUTGOING_MEDIA } from './mediaTransport.ts';
import type { MediaTransport, TransportObserver } from './mediaTransport.ts';
import { MeshTransport } from './meshTransport.ts';
import { watchNetworkChanges } from './networkWatcher.ts';
import { INITIAL_LADDER_STATE, nextLadderState } from './qualityLadder.ts';
import type { LadderState } from './qualityLadder.ts';
import { TypedEmitter } from './typedEmitter.ts';
import { CallEngineError } from './types.ts';
import type { CallEngineEvents, CallEngineOptions, PeerState } from './types.ts';

/** Spec: the client samples every 3 s and reports the latest sample per peer about every 10 s. */
export const QUALITY_REPORT_INTERVAL_MS = 10_000;
/** Fast enough for the active-speaker highlight to follow a conversation, slow enough to stay cheap. */
export const AUDIO_LEVEL_INTERVAL_MS = 250;
const NOTHING_STARTING = NO_OUTGOING_MEDIA.starting;

/**
 * The calling engine of one call: local devices, one media session per remote participant (through a
 * MediaTransport), ICE servers, quality monitoring and adaptation. Framework-free; the UI talks to it
 * through its methods and events, and to the signaling server through the SignalingPort it passes in.
 */
export class CallEngine {
  private readonly options: CallEngineOptions;
  private readonly events = new TypedEmitter<CallEngineEvents>();
  private readonly media = new LocalMedia();
  private readonly iceServers: IceServerProvider;
  private readonly transport: MediaTransport;
  private readonly stopWatchingNetwork: () => void;
  private readonly timers: ReturnType<typeof setInterval>[];
  private readonly peerStates = new Map<string, PeerState>();
  private readonly ladders = new Map<string, LadderState>();
  private readonly lossCounters = new Map<string, LossCounters>();
  private readonly latestSamples = new Map<string, PeerQualitySample>();
  /** Device and screen operations run one at a time, so a quick on/off/on ends in the state last asked for. */
  private mediaOperations: Promise<unknown> = Promise.resolve();
  private receiveVideo = true;
  private starting = NOTHING_STARTING;
  /**
   * TURN refusals earn one refetch of the credentials; a refusal of the refetched ones is reported.
   * `retriedCredentials` is the key (turnCredentialsKey) of what the refetch returned.
   */
  private turnRefetching = false;
  private retriedCredentials: string | null = null;
  private turnAuthReported = false;
  private sampling = false;
  private readingLevels = false;
  private closed = false;

  constructor(options: CallEngineOptions) {
    this.options = options;
    this.iceServers = new IceServerProvider({
      fetchIceServers: options.fetchIceServers,
      onUpdate: (servers) => this.transport.updateIceServers(servers),
      onError: (error) => this.emitError(error),
    });
    this.transport = new MeshTransport({
      callId: options.callId,
      selfUserId: options.selfUserId,
      signaling: options.signaling,
      iceServers: this.iceServers,
      iceTransportPolicy: options.iceTransportPolicy ?? 'all',
      observer: this.transportObserver(),
    });
    this.stopWatchingNetwork = watchNetworkChanges(() => this.transport.restartIce());
    this.timers = [
      setInterval(() => void this.sampleQuality(), QUALITY_SAMPLE_INTERVAL_MS),
      setInterval(() => this.reportQuality(), QUALITY_REPORT_INTERVAL_MS),
      setInterval(() => void this.emitAudioLevels(), AUDIO_LEVEL_INTERVAL_MS),
    ];
    // Fetched now so the first connection does not wait for the API.
    void this.iceServers.get();
  }

  get localStream(): MediaStream | null {
    return this.media.stream;
  }

  /** The screen being shared, null when not sharing: for the sharer's own preview. */
  get screenStream(): MediaStream | null {
    return this.media.screenStream;
  }

  on<K extends keyof CallEngineEvents>(event: K, listener: CallEngineEvents[K]): () => void {
    return this.events.on(event, listener);
  }

  /**
   * Captures microphone and/or camera; may be called again (e.g. audio only after the camera was refused).
   * A refusal is emitted as 'error' and thrown as CallEngineError ('media-denied' / 'media-unavailable').
   */
  initializeLocalStream(
    audio: boolean,
    video: boolean,
    devices?: { microphoneId?: string | null; cameraId?: string | null },
  ): Promise<MediaStream> {
    // Announced at once, before the devices open (a few hundred milliseconds): a connection negotiated
    // meanwhile already sends these kinds, and the tracks join it without another offer/answer round.
    this.receiveVideo = video;
    this.starting = { audio, video };
    void this.publishOutgoing();
    return this.serializeMedia(async () => {
      const capture = this.media.acquire(audio, video, devices);
      await capture.catch(() => undefined);
      this.starting = NOTHING_STARTING;
      await this.publishOutgoing();
      const stream = await capture.catch((err) => this.fail(err));
      this.events.emit('local-stream', stream);
      return stream;
    });
  }

  connectToPeer(userId: string): void {
    if (this.closed || userId === this.options.selfUserId) return;
    this.transport.connect(userId);
  }

  /** Rejects with a TypeError naming the field when the event is malformed; signals of other calls are ignored. */
  async handleOffer(e: OfferEvent): Promise<void> {
    const { callId, fromUserId, offer } = parseOfferEvent(e);
    if (!this.acceptsSignalFrom(callId, fromUserId)) return;
    await this.transport.handleSignal(fromUserId, { kind: 'description', description: offer });
  }

  async handleAnswer(e: AnswerEvent): Promise<void> {
    const { callId, fromUserId, answer } = parseAnswerEvent(e);
    if (!this.acceptsSignalFrom(callId, fromUserId)) return;
    await this.transport.handleSignal(fromUserId, { kind: 'description', description: answer });
  }

  async handleIceCandidate(e: IceCandidateEvent): Promise<void> {
    const { callId, fromUserId, candidate } = parseIceCandidateEvent(e);
    if (!this.acceptsSignalFrom(callId, fromUserId)) return;
    await this.transport.handleSignal(fromUserId, { kind: 'candidate', candidate });
  }

  /** The participant came back on a new connection (call:participant-reconnected). */
  resetPeer(userId: string): void {
    if (this.closed) return;
    this.forgetPeerQuality(userId);
    this.transport.reset(userId);
  }

  /** The participant left (call:participant-left). */
  removePeer(userId: string): void {
    this.transport.disconnect(userId);
  }

  toggleAudio(enabled: boolean): void {
    this.media.setAudioEnabled(enabled);
  }

  /** Off stops the camera (its light goes off); on captures it again and sends it without renegotiating. */
  toggleVideo(enabled: boolean): Promise<void> {
    return this.serializeMedia(async () => {
      if (enabled) await this.media.startCamera().catch((err) => this.fail(err));
      else this.media.stopCamera();
      await this.publishOutgoing();
      if (this.media.stream) this.events.emit('local-stream', this.media.stream);
    });
  }

  /** In Electron, main's display-media handler answers getDisplayMedia with the user's pick. */
  startScreenShare(): Promise<void> {
    return this.serializeMedia(async () => {
      if (this.media.screen) return;
      await this.media.startScreen(() => void this.stopScreenShare()).catch((err) => this.fail(err));
      if (!this.media.screen) return;
      await this.publishOutgoing();
      this.events.emit('screen-share', true);
    });
  }

  /** Sends the camera again if it was on (nothing if it was off). */
  stopScreenShare(): Promise<void> {
    return this.serializeMedia(async () => {
      if (!this.media.screen) return;
      this.media.stopScreen();
      await this.publishOutgoing();
      this.events.emit('screen-share', false);
    });
  }

  switchDevice(kind: 'microphone' | 'camera', deviceId: string): Promise<void> {
    return this.serializeMedia(async () => {
      const change =
        kind === 'microphone' ? this.media.switchMicrophone(deviceId) : this.media.switchCamera(deviceId);
      await change.catch((err) => this.fail(err));
      await this.publishOutgoing();
      if (this.media.stream) this.events.emit('local-stream', this.media.stream);
    });
  }

  /** What we receive from a participant (zeros before the connection exists). */
  async getPeerStats(userId: string): Promise<ReceivedMediaSummary> {
    const report = await this.transport.getStats(userId);
    return summarizeReceivedMedia(report ? report.values() : []);
  }

  /** Hang-up: every track stopped (camera light off), every connection closed, every timer and listener gone. */
  cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    this.timers.forEach((timer) => clearInterval(timer));
    this.stopWatchingNetwork();
    this.iceServers.dispose();
    this.transport.close();
    this.media.stopAll();
    this.events.clear();
    this.peerStates.clear();
    this.ladders.clear();
    this.lossCounters.clear();
    this.latestSamples.clear();
  }

  private transportObserver(): TransportObserver {
    return {
      remoteStream: (userId, stream) => this.events.emit('remote-stream', userId, stream),
      peerState: (userId, state) => {
        if (state === 'closed') {
          this.peerStates.delete(userId);
          this.forgetPeerQuality(userId);
        } else {
          this.peerStates.set(userId, state);
        }
        this.events.emit('peer-state', userId, state);
      },
      error: (kind, userId, message) => this.events.emit('error', { kind, userId, message }),
      turnAuthFailed: (_userId, refused) => this.onTurnAuthFailed(refused),
    };
  }

  private acceptsSignalFrom(callId: string, fromUserId: string): boolean {
    // Late signaling of a previous call, or our own echo, is not an error: there is nothing to apply it to.
    return !this.closed && callId === this.options.callId && fromUserId !== this.options.selfUserId;
  }

  private publishOutgoing(): Promise<void> {
    return this.transport.setOutgoing({
      stream: this.media.stream,
      audio: this.media.microphone,
      video: this.media.screen ?? this.media.camera,
      videoIsScreen: this.media.screen !== null,
      receiveVideo: this.receiveVideo,
      starting: this.starting,
    });
  }

  private serializeMedia<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.mediaOperations.then(() => {
      if (this.closed) throw new Error('The call engine was cleaned up.');
      return operation();
    });
    this.mediaOperations = run.catch(() => undefined);
    return run;
  }

  /** Emits a media error as an event and rethrows it to the caller of the operation. */
  private fail(err: unknown): never {
    const error =
      err instanceof CallEngineError
        ? err
        : new CallEngineError('media-unavailable', 'Media could not be started.');
    this.emitError(error);
    throw error;
  }

  private emitError(error: CallEngineError): void {
    this.events.emit('error', { kind: error.kind, message: error.message });
  }

  private onTurnAuthFailed(refused: RTCIceServer[]): void {
    if (this.closed || this.turnAuthReported) return;
    const refusedKey = turnCredentialsKey(refused);
    if (this.retriedCredentials === null) {
      if (this.turnRefetching) return;
      // Credentials may have been rotated or revoked early: fetch new ones and gather again, once.
      this.turnRefetching = true;
      void this.iceServers.refresh().then((servers) => {
        if (this.closed) return;
        this.retriedCredentials = turnCredentialsKey(servers);
        // Retrying the very credentials that were refused is pointless, and Chromium would not even try:
        // an ICE restart redoes TURN allocations only when the configuration changed.
        if (this.retriedCredentials === refusedKey) this.reportTurnAuthFailure();
        else this.transport.restartIce();
      });
    } else if (refusedKey === this.retriedCredentials) {
      this.reportTurnAuthFailure();
    }
    // Otherwise the refusal concerns credentials the refetch has already replaced: nothing to do.
  }

  private reportTurnAuthFailure(): void {
    this.turnAuthReported = true;
    this.emitError(
      new CallEngineError(
        'turn-auth-failed',
        'The relay (TURN) server refused our credentials, so connections that need a relay cannot be made.',
      ),
    );
  }

  private async sampleQuality(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const sendingVideo = this.media.screen !== null || this.media.camera !== null;
      for (const [userId, state] of this.peerStates) {
        if (state !== 'connected') continue;
        const report = await this.transport.getStats(userId);
        if (!report || this.closed || this.peerStates.get(userId) !== 'connected') continue;
        const measurement = measureConnection(report.values());
        const loss = intervalPacketLossPct(this.lossCounters.get(userId) ?? null, measurement.counters);
        this.lossCounters.set(userId, measurement.counters);
        const sample = toQualitySample(userId, measurement, loss, sendingVideo);
        this.latestSamples.set(userId, sample);
        this.events.emit('quality', userId, sample);
        this.adaptSendProfile(userId, sample);
      }
    } finally {
      this.sampling = false;
    }
  }

  private adaptSendProfile(userId: string, sample: PeerQualitySample): void {
    const previous = this.ladders.get(userId) ?? INITIAL_LADDER_STATE;
    const next = nextLadderState(previous, sample.quality);
    this.ladders.set(userId, next);
    if (next.profile !== previous.profile) this.transport.setSendProfile(userId, next.profile);
  }

  private reportQuality(): void {
    if (this.latestSamples.size === 0) return;
    const samples = [...this.latestSamples.values()];
    // Sent once: a peer whose stats stopped coming must not be reported with stale numbers.
    this.latestSamples.clear();
    this.options.onQualityReport?.(samples);
  }

  private async emitAudioLevels(): Promise<void> {
    if (this.readingLevels || ![...this.peerStates.values()].includes('connected')) return;
    this.readingLevels = true;
    try {
      const { local, remote } = await this.transport.readAudioLevels();
      if (this.closed) return;
      // Every connected participant is listed, silent (0) until their first audio packet carries a level.
      const levels: Record<string, number> = {};
      for (const [userId, state] of this.peerStates) {
        if (state === 'connected') levels[userId] = remote.get(userId) ?? 0;
      }
      levels[this.options.selfUserId] = this.media.audioEnabled ? (local ?? 0) : 0;
      this.events.emit('audio-level', levels);
    } finally {
      this.readingLevels = false;
    }
  }

  private forgetPeerQuality(userId: string): void {
    this.ladders.delete(userId);
    this.lossCounters.delete(userId);
    this.latestSamples.delete(userId);
  }
}
