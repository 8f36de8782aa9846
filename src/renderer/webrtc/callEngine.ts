import { QUALITY_SAMPLE_INTERVAL_MS } from '../../shared/protocol/index.ts';
import type {
  AnswerEvent,
  CallTopologyEvent,
  IceCandidateEvent,
  OfferEvent,
  PeerQualitySample,
  SfuOfferEvent,
} from '../../shared/protocol/index.ts';
import { measureConnection, mediaBytesSent, summarizeReceivedMedia } from './connectionStats.ts';
import type { ReceivedMediaSummary, StatsEntry } from './connectionStats.ts';
import { IceServerProvider } from './iceServerProvider.ts';
import { TurnRefusalPolicy } from './turnRefusal.ts';
import { gradePeerLink, readLinkCounters } from './linkQuality.ts';
import type { LinkCounters } from './linkQuality.ts';
import { LocalMedia } from './localMedia.ts';
import { NO_OUTGOING_MEDIA, withheld } from './mediaTransport.ts';
import type { MediaTransport, OutgoingMedia, TransportObserver } from './mediaTransport.ts';
import { MeshTransport } from './meshTransport.ts';
import { watchNetworkChanges } from './networkWatcher.ts';
import { SfuTransport } from './sfuTransport.ts';
import { INITIAL_LADDER_STATE, nextLadderState } from './qualityLadder.ts';
import type { LadderInput, LadderState, VideoProfileName } from './qualityLadder.ts';
import { TypedEmitter } from './typedEmitter.ts';
import { CallEngineError } from './types.ts';
import type { CallEngineEvents, CallEngineOptions, MediaRoute, PeerState, RemoteTileView } from './types.ts';

/** Spec: the client samples every 3 s and reports the latest sample per peer about every 10 s. */
export const QUALITY_REPORT_INTERVAL_MS = 10_000;
/** Fast enough for the active-speaker highlight to follow a conversation, slow enough to stay cheap. */
export const AUDIO_LEVEL_INTERVAL_MS = 250;
const NOTHING_STARTING = NO_OUTGOING_MEDIA.starting;
/**
 * How long the mesh may keep carrying a participant after the call moved to the SFU. The SFU usually takes
 * over within a second or two; a participant it has not delivered by then is left to it anyway, so a peer
 * that never publishes cannot keep a mesh connection (and its encoder) alive for the rest of the call.
 */
export const MESH_HANDOVER_TIMEOUT_MS = 8_000;

/** What the e2e tests and the debug overlay read about the media of one remote participant. */
export interface PeerMediaSnapshot extends ReceivedMediaSummary {
  state: PeerState | null;
  via: 'mesh' | 'sfu' | null;
  /** What we sent them (on the SFU: to the room). */
  bytesSent: { audio: number; video: number };
}

/**
 * The calling engine of one call: local devices, the media sessions with the other participants (through a
 * MediaTransport), ICE servers, quality monitoring and adaptation. Framework-free; the UI talks to it
 * through its methods and events, and to the signaling server through the SignalingPort it passes in.
 *
 * Transports: a call starts on the mesh. When the server moves it to the SFU (useTopology), an SfuTransport
 * publishes and subscribes while the mesh keeps carrying everyone (make-before-break): each participant is
 * handed over once the SFU delivers them, then the mesh closes. A new SFU room (failover) replaces the SFU
 * transport. Every event of a transport that no longer speaks for a participant is dropped here, so the UI
 * sees one continuous participant, never a 'closed' in the middle of a switch.
 */
export class CallEngine {
  private readonly options: CallEngineOptions;
  private readonly events = new TypedEmitter<CallEngineEvents>();
  private readonly media = new LocalMedia();
  private readonly iceServers: IceServerProvider;
  private mesh: MeshTransport | null = null;
  private sfu: SfuTransport | null = null;
  /** Participants the SFU delivers now, whose mesh session has been dropped. */
  private readonly handedOver = new Set<string>();
  /** What the SFU said last about each participant, shown once it speaks for them. */
  private readonly sfuStates = new Map<string, PeerState>();
  private readonly sfuStreams = new Map<string, MediaStream>();
  private meshRetirement: ReturnType<typeof setTimeout> | null = null;
  private remoteView: readonly RemoteTileView[] | null = null;
  private activeSpeakerId: string | null = null;
  private readonly stopWatchingNetwork: () => void;
  private readonly timers: ReturnType<typeof setInterval>[];
  private readonly peerStates = new Map<string, PeerState>();
  private readonly ladders = new Map<string, LadderState>();
  private readonly linkCounters = new Map<string, LinkCounters>();
  private readonly latestSamples = new Map<string, PeerQualitySample>();
  /** Device and screen operations run one at a time, so a quick on/off/on ends in the state last asked for. */
  private mediaOperations: Promise<unknown> = Promise.resolve();
  private receiveVideo = true;
  private starting = NOTHING_STARTING;
  /** While our device rings, what the connections are negotiated to send once we answer (see holdOutgoing). */
  private held: { audio: boolean; video: boolean } | null = null;
  private readonly turnRefusal: TurnRefusalPolicy;
  private sampling = false;
  private readingLevels = false;
  private closed = false;

  constructor(options: CallEngineOptions) {
    this.options = options;
    this.iceServers = new IceServerProvider({
      fetchIceServers: options.fetchIceServers,
      onUpdate: (servers) => this.transports().forEach((t) => t.updateIceServers(servers)),
      onError: (error) => this.emitError(error),
    });
    this.turnRefusal = new TurnRefusalPolicy({
      refetch: () => this.iceServers.refresh(),
      restartIce: () => this.transports().forEach((t) => t.restartIce()),
      report: () =>
        this.emitError(
          new CallEngineError(
            'turn-auth-failed',
            'The relay (TURN) server refused our credentials, so connections that need a relay cannot be made.',
          ),
        ),
      closed: () => this.closed,
    });
    const mesh: MeshTransport = new MeshTransport({
      callId: options.callId,
      selfUserId: options.selfUserId,
      signaling: options.signaling,
      iceServers: this.iceServers,
      iceTransportPolicy: options.iceTransportPolicy ?? 'all',
      observer: this.meshObserver(() => mesh),
    });
    this.mesh = mesh;
    this.stopWatchingNetwork = watchNetworkChanges(() => this.transports().forEach((t) => t.restartIce()));
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

  /** How the call's media travels now. */
  get route(): MediaRoute {
    return this.sfu ? { topology: 'sfu', epoch: this.sfu.epoch } : { topology: 'mesh', epoch: null };
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

  /**
   * On the SFU this only says whom to expect: the room's subscription brings their media. `ringing`: they
   * have not answered yet, so we offer now and send them nothing until `peerAnswered` (instant answer).
   */
  connectToPeer(userId: string, options: { ringing?: boolean } = {}): void {
    if (this.closed || userId === this.options.selfUserId) return;
    if (this.sfu) this.sfu.connect(userId);
    else this.mesh?.connect(userId, options);
  }

  /**
   * The participant answered (call:participant-joined), on `deviceId` if the server named it: the connection
   * to that device carries them and starts sending; without one it is offered now.
   */
  peerAnswered(userId: string, deviceId?: string): void {
    if (this.closed || userId === this.options.selfUserId) return;
    if (this.sfu) this.sfu.connect(userId);
    else this.mesh?.peerAnswered(userId, deviceId);
  }

  /**
   * While our own device rings: connections take the caller's offer and connect, negotiated as sending
   * `kinds`, but no media leaves until `releaseOutgoing` (the user answered).
   */
  holdOutgoing(kinds: { audio: boolean; video: boolean }): void {
    this.held = kinds;
    this.receiveVideo = kinds.video;
    void this.publishOutgoing();
  }

  releaseOutgoing(): void {
    if (this.held === null) return;
    this.held = null;
    void this.publishOutgoing();
  }

  /** Signals of other calls are ignored. Events arrive parsed by the socket client (serverEvents.ts). */
  async handleOffer(e: OfferEvent): Promise<void> {
    const { callId, fromUserId, fromDeviceId, offer } = e;
    const mesh = this.meshFor(callId, fromUserId);
    await mesh?.handleSignal(fromUserId, { kind: 'description', description: offer, fromDeviceId });
  }

  async handleAnswer(e: AnswerEvent): Promise<void> {
    const { callId, fromUserId, fromDeviceId, answer } = e;
    const mesh = this.meshFor(callId, fromUserId);
    await mesh?.handleSignal(fromUserId, { kind: 'description', description: answer, fromDeviceId });
  }

  async handleIceCandidate(e: IceCandidateEvent): Promise<void> {
    const { callId, fromUserId, fromDeviceId, candidate } = e;
    const mesh = this.meshFor(callId, fromUserId);
    await mesh?.handleSignal(fromUserId, { kind: 'candidate', candidate, fromDeviceId });
  }

  /**
   * The server moved the call's media (call:topology). To the SFU, or to a new SFU room after a failure
   * (a new epoch): a fresh SfuTransport publishes what we send now and the previous one, if any, closes.
   * The mesh stays until the SFU delivers each participant (see MESH_HANDOVER_TIMEOUT_MS). A call never
   * moves back to the mesh, so 'mesh' changes nothing.
   */
  useTopology(e: Pick<CallTopologyEvent, 'callId' | 'topology' | 'epoch'>): void {
    const { callId, topology, epoch } = e;
    if (this.closed || callId !== this.options.callId || topology !== 'sfu') return;
    if (this.sfu?.epoch === epoch) return;
    const previous = this.sfu;
    const expected = new Set([
      ...this.peerStates.keys(),
      ...(previous?.peerIds() ?? []),
      ...(this.mesh?.peerIds() ?? []),
    ]);
    this.sfuStates.clear();
    this.sfuStreams.clear();
    const sfu: SfuTransport = new SfuTransport({
      callId,
      epoch,
      selfUserId: this.options.selfUserId,
      signaling: this.options.signaling,
      iceServers: this.iceServers,
      iceTransportPolicy: this.options.iceTransportPolicy ?? 'all',
      observer: this.sfuObserver(() => sfu),
    });
    this.sfu = sfu;
    // Its events are dropped from here on: the new room speaks for everyone it had.
    previous?.close();
    for (const userId of expected) sfu.connect(userId);
    if (this.remoteView) sfu.setRemoteView(this.remoteView, this.activeSpeakerId);
    void sfu.setOutgoing(this.outgoingMedia());
    if (this.mesh) {
      if (this.mesh.peerIds().length === 0) this.retireMesh();
      else this.meshRetirement ??= setTimeout(() => this.retireMesh(), MESH_HANDOVER_TIMEOUT_MS);
    }
  }

  /**
   * The SFU's subscription offer (call:sfu-offer), for the room this engine was moved to; offers of other
   * calls and rooms are ignored. So is one that comes before the room's topology event: the backend
   * subscribes us only once we have published, which follows that event, so such an offer is from an earlier
   * stay of ours in the same room (we left and rejoined from this page), and its answer would land on the new
   * stay's subscription in its place.
   */
  async handleSfuOffer(event: SfuOfferEvent): Promise<void> {
    if (this.closed || event.callId !== this.options.callId || this.sfu?.epoch !== event.epoch) return;
    await this.sfu.handleSfuOffer(event);
  }

  /** The remote tiles as the UI lays them out: on the SFU, what decides the layer asked for each stream. */
  setRemoteView(tiles: readonly RemoteTileView[]): void {
    this.remoteView = tiles;
    if (!this.closed) this.transports().forEach((t) => t.setRemoteView(tiles, this.activeSpeakerId));
  }

  /** Who the UI highlights as speaking (it owns the decision, see activeSpeaker.ts): their tile gets more. */
  setActiveSpeaker(userId: string | null): void {
    if (userId === this.activeSpeakerId) return;
    this.activeSpeakerId = userId;
    if (this.remoteView && !this.closed) this.setRemoteView(this.remoteView);
  }

  /** The participant came back on a new connection (call:participant-reconnected). */
  resetPeer(userId: string): void {
    if (this.closed) return;
    this.forgetPeerQuality(userId);
    if (!this.sfu) {
      this.mesh?.reset(userId);
      return;
    }
    // Their old mesh connection died with their page; the room brings them back when they publish again.
    if (this.mesh?.peerIds().includes(userId) && !this.handedOver.has(userId)) this.handOver(userId);
    this.sfu.reset(userId);
  }

  /** The participant left (call:participant-left): 'closed' is reported once, by whoever carried them. */
  removePeer(userId: string): void {
    const owner = this.transportFor(userId);
    for (const transport of this.transports()) if (transport !== owner) transport.disconnect(userId);
    owner?.disconnect(userId);
    this.handedOver.delete(userId);
    this.sfuStates.delete(userId);
    this.sfuStreams.delete(userId);
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
    return summarizeReceivedMedia(await this.statsOf(userId));
  }

  /** RTP bytes we sent to a participant per kind (zeros before the connection exists). */
  async getBytesSent(userId: string): Promise<{ audio: number; video: number }> {
    return mediaBytesSent(await this.statsOf(userId));
  }

  /** Per remote participant what arrives and how, plus the route: for the e2e tests (window.__callDebug). */
  async mediaSnapshot(): Promise<{
    route: MediaRoute;
    peers: Record<string, PeerMediaSnapshot>;
    layers: Record<string, string>;
  }> {
    const peers: Record<string, PeerMediaSnapshot> = {};
    const userIds = new Set([...this.peerStates.keys(), ...this.transports().flatMap((t) => t.peerIds())]);
    for (const userId of userIds) {
      const transport = this.transportFor(userId);
      const stats = await this.statsOf(userId);
      peers[userId] = {
        ...summarizeReceivedMedia(stats),
        bytesSent: mediaBytesSent(stats),
        state: this.peerStates.get(userId) ?? null,
        via: transport === null ? null : transport === this.sfu ? 'sfu' : 'mesh',
      };
    }
    return { route: this.route, peers, layers: Object.fromEntries(this.sfu?.requestedLayers ?? []) };
  }

  /** Hang-up: every track stopped (camera light off), every connection closed, every timer and listener gone. */
  cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    this.timers.forEach((timer) => clearInterval(timer));
    this.stopWatchingNetwork();
    this.iceServers.dispose();
    if (this.meshRetirement !== null) clearTimeout(this.meshRetirement);
    // The SFU first: while the mesh is still there, its 'closed' for participants the mesh carries is dropped,
    // so each participant is reported closed once.
    this.sfu?.close();
    this.mesh?.close();
    this.sfu = null;
    this.mesh = null;
    this.media.stopAll();
    this.events.clear();
    this.peerStates.clear();
    this.ladders.clear();
    this.linkCounters.clear();
    this.latestSamples.clear();
    this.handedOver.clear();
    this.sfuStates.clear();
    this.sfuStreams.clear();
  }

  private async statsOf(userId: string): Promise<StatsEntry[]> {
    const report = await this.transportFor(userId)?.getStats(userId);
    return report ? [...report.values()] : [];
  }

  private transports(): MediaTransport[] {
    return [this.mesh, this.sfu].filter((t): t is MeshTransport | SfuTransport => t !== null);
  }

  /** Who carries a participant now: the mesh until the SFU took them over, the SFU for anyone else. */
  private transportFor(userId: string): MediaTransport | null {
    const mesh = this.mesh;
    if (mesh && !this.handedOver.has(userId) && (!this.sfu || mesh.peerIds().includes(userId))) return mesh;
    return this.sfu ?? mesh;
  }

  /**
   * The mesh, if it should take a signal from this participant: always on a mesh call; on the SFU only for
   * a session still carrying them (a renegotiation or ICE restart of it), never to start a new one.
   */
  private meshFor(callId: string, fromUserId: string): MeshTransport | null {
    // Late signaling of a previous call, or our own echo, is not an error: there is nothing to apply it to.
    if (this.closed || callId !== this.options.callId || fromUserId === this.options.selfUserId) return null;
    const mesh = this.mesh;
    if (!mesh || !this.sfu) return mesh;
    return mesh.peerIds().includes(fromUserId) && !this.handedOver.has(fromUserId) ? mesh : null;
  }

  private meshObserver(self: () => MeshTransport): TransportObserver {
    const speaksFor = (userId: string) => this.mesh === self() && !this.handedOver.has(userId);
    return {
      remoteStream: (userId, stream) => {
        if (speaksFor(userId)) this.events.emit('remote-stream', userId, stream);
      },
      peerState: (userId, state) => {
        if (speaksFor(userId)) this.showPeerState(userId, state);
      },
      error: (kind, userId, message) => {
        if (speaksFor(userId)) this.events.emit('error', { kind, userId, message });
      },
      turnAuthFailed: (_userId, refused) => {
        if (this.mesh === self()) this.turnRefusal.onRefused(refused);
      },
    };
  }

  private sfuObserver(self: () => SfuTransport): TransportObserver {
    const live = () => this.sfu === self();
    const speaksFor = (userId: string) => live() && this.transportFor(userId) === self();
    return {
      remoteStream: (userId, stream) => {
        if (!live()) return;
        this.sfuStreams.set(userId, stream);
        if (speaksFor(userId)) this.events.emit('remote-stream', userId, stream);
      },
      peerState: (userId, state) => {
        if (!live()) return;
        if (state === 'closed') {
          this.sfuStates.delete(userId);
          this.sfuStreams.delete(userId);
        } else {
          this.sfuStates.set(userId, state);
        }
        if (speaksFor(userId)) this.showPeerState(userId, state);
        else if (state === 'connected' && !this.closed) this.handOver(userId);
      },
      error: (kind, userId, message) => {
        if (speaksFor(userId)) this.events.emit('error', { kind, userId, message });
      },
      turnAuthFailed: (_userId, refused) => {
        if (live()) this.turnRefusal.onRefused(refused);
      },
    };
  }

  private showPeerState(userId: string, state: PeerState): void {
    if (state === 'closed') {
      this.peerStates.delete(userId);
      this.forgetPeerQuality(userId);
    } else {
      this.peerStates.set(userId, state);
    }
    this.events.emit('peer-state', userId, state);
  }

  /** The SFU delivers this participant: the UI switches to its stream and the mesh session goes, unannounced. */
  private handOver(userId: string): void {
    const mesh = this.mesh;
    if (!mesh) return;
    this.handedOver.add(userId);
    mesh.disconnect(userId);
    this.showSfuSide(userId);
    if (mesh.peerIds().length === 0) this.retireMesh();
  }

  /** Closes the mesh; whoever it still carried is shown as the SFU has them. */
  private retireMesh(): void {
    const mesh = this.mesh;
    if (!mesh) return;
    if (this.meshRetirement !== null) clearTimeout(this.meshRetirement);
    this.meshRetirement = null;
    const remaining = mesh.peerIds().filter((userId) => !this.handedOver.has(userId));
    this.mesh = null;
    mesh.close();
    this.handedOver.clear();
    for (const userId of remaining) this.showSfuSide(userId);
  }

  private showSfuSide(userId: string): void {
    // The connection (and its packet counters) changed: quality starts over for this participant.
    this.forgetPeerQuality(userId);
    const stream = this.sfuStreams.get(userId);
    if (stream) this.events.emit('remote-stream', userId, stream);
    this.showPeerState(userId, this.sfuStates.get(userId) ?? 'connecting');
  }

  private outgoingMedia(): OutgoingMedia {
    const media: OutgoingMedia = {
      stream: this.media.stream,
      audio: this.media.microphone,
      video: this.media.screen ?? this.media.camera,
      videoIsScreen: this.media.screen !== null,
      camera: this.media.camera,
      screen: this.media.screen,
      receiveVideo: this.receiveVideo,
      starting: this.starting,
    };
    return this.held === null ? media : withheld(media, this.held);
  }

  private async publishOutgoing(): Promise<void> {
    const media = this.outgoingMedia();
    await Promise.all(this.transports().map((t) => t.setOutgoing(media)));
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

  private async sampleQuality(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const sendingVideo = this.media.screen !== null || this.media.camera !== null;
      for (const [userId, state] of this.peerStates) {
        if (state !== 'connected') continue;
        const report = await this.transportFor(userId)?.getStats(userId);
        if (!report || this.closed || this.peerStates.get(userId) !== 'connected') continue;
        const entries = [...report.values()];
        const current = readLinkCounters(entries);
        const previous = this.linkCounters.get(userId) ?? null;
        this.linkCounters.set(userId, current);
        const path = measureConnection(entries);
        const viaSfu = this.transportFor(userId) === this.sfu;
        const link = gradePeerLink(userId, {
          previous,
          current,
          entries,
          path,
          sendingVideo,
          chosenLayer: viaSfu,
        });
        // The ladder is the mesh's: on the SFU, simulcast adapts per viewer and nothing is ever paused.
        const profile = viaSfu
          ? null
          : this.adaptSendProfile(userId, {
              estimateKbps: link.testedEstimateKbps,
              estimatePressed: link.estimatePressed,
              peerLossPct: link.residualSendLossPct,
              sendLossPct: link.sample.send?.packetLossPct ?? null,
              floor: this.media.screen ? 'ld' : 'audio',
            });
        const sample = profile === 'audio' ? { ...link.sample, videoPaused: true } : link.sample;
        this.latestSamples.set(userId, sample);
        this.events.emit('quality', userId, sample);
      }
    } finally {
      this.sampling = false;
    }
  }

  /** One step of the peer's send ladder (qualityLadder.ts); returns the rung now sent toward them. */
  private adaptSendProfile(userId: string, input: LadderInput): VideoProfileName {
    const previous = this.ladders.get(userId) ?? INITIAL_LADDER_STATE;
    const next = nextLadderState(previous, input);
    this.ladders.set(userId, next);
    if (next.profile !== previous.profile) this.transportFor(userId)?.setSendProfile(userId, next.profile);
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
    if (this.readingLevels || ![...this.peerStates.values()].includes('connected')) return;
    this.readingLevels = true;
    try {
      let local: number | null = null;
      const remote = new Map<string, number>();
      for (const transport of this.transports()) {
        const read = await transport.readAudioLevels();
        local ??= read.local;
        for (const [userId, level] of read.remote) {
          if (this.transportFor(userId) === transport) remote.set(userId, level);
        }
      }
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
    this.linkCounters.delete(userId);
    this.latestSamples.delete(userId);
  }
}
