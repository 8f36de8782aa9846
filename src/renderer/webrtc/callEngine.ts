import type {
  AnswerEvent,
  CallTopologyEvent,
  IceCandidateEvent,
  OfferEvent,
  SfuOfferEvent,
} from '../../shared/protocol/index.ts';
import { mediaBytesSent, summarizeReceivedMedia } from './connectionStats.ts';
import type { ReceivedMediaSummary, StatsEntry } from './connectionStats.ts';
import { IceServerProvider } from './iceServerProvider.ts';
import { TurnRefusalPolicy } from './turnRefusal.ts';
import { LocalSending } from './localSending.ts';
import type { MeshTransport } from './meshTransport.ts';
import { watchNetworkChanges } from './networkWatcher.ts';
import { QualityMonitor } from './qualityMonitor.ts';
import { TransportRouter } from './transportRouter.ts';
import { TypedEmitter } from './typedEmitter.ts';
import { CallEngineError } from './types.ts';
import type { CallEngineEvents, CallEngineOptions, MediaRoute, PeerState, RemoteTileView } from './types.ts';

/** What the e2e tests and the debug overlay read about the media of one remote participant. */
export interface PeerMediaSnapshot extends ReceivedMediaSummary {
  state: PeerState | null;
  via: 'mesh' | 'sfu' | null;
  /** What we sent them (on the SFU: to the room). */
  bytesSent: { audio: number; video: number };
}

/**
 * The calling engine of one call: local devices, the media sessions with the other participants (through
 * the TransportRouter: mesh, SFU and the hand-over between them), ICE servers, and quality monitoring
 * (QualityMonitor). Framework-free; the UI talks to it through its methods and events, and to the signaling
 * server through the SignalingPort it passes in.
 */
export class CallEngine {
  private readonly options: CallEngineOptions;
  private readonly events = new TypedEmitter<CallEngineEvents>();
  private readonly local: LocalSending;
  private readonly iceServers: IceServerProvider;
  private readonly router: TransportRouter;
  private readonly monitor: QualityMonitor;
  private readonly stopWatchingNetwork: () => void;
  /**
   * Each participant's connection state as last shown (absent: none yet, or closed): the one copy there is.
   * Transports report every state they derive; only changes reach the UI.
   */
  private readonly connectionStates = new Map<string, PeerState>();
  private readonly turnRefusal: TurnRefusalPolicy;
  private closed = false;

  constructor(options: CallEngineOptions) {
    this.options = options;
    this.local = new LocalSending({
      publish: async (media) => {
        await Promise.all(this.router.transports().map((t) => t.setOutgoing(media)));
      },
      localStream: (stream) => this.events.emit('local-stream', stream),
      screenShare: (sharing) => this.events.emit('screen-share', sharing),
      error: (error) => this.emitError(error),
    });
    this.iceServers = new IceServerProvider({
      fetchIceServers: options.fetchIceServers,
      onUpdate: (servers) => this.router.transports().forEach((t) => t.updateIceServers(servers)),
      onError: (error) => this.emitError(error),
    });
    this.turnRefusal = new TurnRefusalPolicy({
      refetch: () => this.iceServers.refresh(),
      restartIce: () => this.router.transports().forEach((t) => t.restartIce()),
      report: () =>
        this.emitError(
          new CallEngineError(
            'turn-auth-failed',
            'The relay (TURN) server refused our credentials, so connections that need a relay cannot be made.',
          ),
        ),
      closed: () => this.closed,
    });
    this.router = new TransportRouter({
      callId: options.callId,
      selfUserId: options.selfUserId,
      signaling: options.signaling,
      iceServers: this.iceServers,
      iceTransportPolicy: options.iceTransportPolicy ?? 'all',
      observer: {
        remoteStream: (userId, stream) => this.events.emit('remote-stream', userId, stream),
        peerState: (userId, state) => this.showPeerState(userId, state),
        error: (kind, userId, message) => this.events.emit('error', { kind, userId, message }),
        turnAuthFailed: (_userId, refused) => this.turnRefusal.onRefused(refused),
      },
      connectionChanged: (userId) => this.monitor.forget(userId),
    });
    this.stopWatchingNetwork = watchNetworkChanges(() =>
      this.router.transports().forEach((t) => t.restartIce()),
    );
    this.monitor = new QualityMonitor({
      selfUserId: options.selfUserId,
      router: this.router,
      peerStates: this.connectionStates,
      sending: () => this.local.sending,
      closed: () => this.closed,
      quality: (userId, sample) => this.events.emit('quality', userId, sample),
      audioLevels: (levels) => this.events.emit('audio-level', levels),
      onQualityReport: options.onQualityReport,
    });
    // Fetched now so the first connection does not wait for the API.
    void this.iceServers.get();
  }

  get localStream(): MediaStream | null {
    return this.local.stream;
  }

  /** The screen being shared, null when not sharing: for the sharer's own preview. */
  get screenStream(): MediaStream | null {
    return this.local.screenStream;
  }

  on<K extends keyof CallEngineEvents>(event: K, listener: CallEngineEvents[K]): () => void {
    return this.events.on(event, listener);
  }

  /**
   * Each participant's connection state now (those closed or never heard of are absent): what a UI that
   * was not listening (a device that only rang) shows when it starts to.
   */
  peerStates(): ReadonlyMap<string, PeerState> {
    return new Map(this.connectionStates);
  }

  /** How the call's media travels now. */
  get route(): MediaRoute {
    return this.router.route;
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
    return this.local.acquire(audio, video, devices);
  }

  /**
   * On the SFU this only says whom to expect: the room's subscription brings their media. `ringing`: they
   * have not answered yet, so we offer now and send them nothing until `peerAnswered` (instant answer).
   */
  connectToPeer(userId: string, options: { ringing?: boolean } = {}): void {
    if (this.closed || userId === this.options.selfUserId) return;
    this.router.connect(userId, options);
  }

  /**
   * The participant answered (call:participant-joined), on `deviceId` if the server named it: the connection
   * to that device carries them and starts sending; without one it is offered now. `awaitsOffer`: they said
   * they never offer first (see MeshTransport.peerAnswered).
   */
  peerAnswered(userId: string, deviceId?: string, options: { awaitsOffer?: boolean } = {}): void {
    if (this.closed || userId === this.options.selfUserId) return;
    this.router.peerAnswered(userId, deviceId, options);
    this.monitor.sampleSoon(userId);
  }

  /**
   * While our own device rings: connections take the caller's offer and connect, negotiated as sending
   * `kinds`, but no media leaves until `releaseOutgoing` (the user answered).
   */
  holdOutgoing(kinds: { audio: boolean; video: boolean }): void {
    this.local.hold(kinds);
  }

  /** The user answered: the caller hears so over the connection (answerChannel.ts), and our media starts. */
  releaseOutgoing(): void {
    this.router.sayAnswered();
    this.local.release();
    for (const [userId, state] of this.connectionStates) {
      if (state === 'connected') this.monitor.sampleSoon(userId);
    }
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
   * moves back to the mesh, so 'mesh' changes nothing. The room we are in already is announced again after
   * our socket reconnected; `sessionEnded` then says the server dropped our session in it, and only then
   * does a fresh transport replace ours (its connections lead nowhere any more).
   */
  useTopology(e: Pick<CallTopologyEvent, 'callId' | 'topology' | 'epoch' | 'sessionEnded'>): void {
    const { callId, topology, epoch } = e;
    if (this.closed || callId !== this.options.callId || topology !== 'sfu') return;
    this.router.moveToSfu(epoch, this.connectionStates.keys(), this.local.outgoing(), {
      sessionEnded: e.sessionEnded === true,
    });
  }

  /**
   * The SFU's subscription offer (call:sfu-offer), for the room this engine was moved to; offers of other
   * calls and rooms are ignored. So is one that comes before the room's topology event: the backend
   * subscribes us only once we have published, which follows that event, so such an offer is from an earlier
   * stay of ours in the same room (we left and rejoined from this page), and its answer would land on the new
   * stay's subscription in its place.
   */
  async handleSfuOffer(event: SfuOfferEvent): Promise<void> {
    if (this.closed || event.callId !== this.options.callId) return;
    await this.router.handleSfuOffer(event);
  }

  /** The remote tiles as the UI lays them out: on the SFU, what decides the layer asked for each stream. */
  setRemoteView(tiles: readonly RemoteTileView[]): void {
    if (!this.closed) this.router.setRemoteView(tiles);
  }

  /** Who the UI highlights as speaking (it owns the decision, see activeSpeaker.ts): their tile gets more. */
  setActiveSpeaker(userId: string | null): void {
    if (!this.closed) this.router.setActiveSpeaker(userId);
  }

  /** The participant came back on a new connection (call:participant-reconnected). */
  resetPeer(userId: string): void {
    if (this.closed) return;
    this.monitor.forget(userId);
    this.router.reset(userId);
  }

  /** The participant left (call:participant-left): 'closed' is reported once, by whoever carried them. */
  removePeer(userId: string): void {
    this.router.disconnect(userId);
  }

  toggleAudio(enabled: boolean): void {
    this.local.setAudioEnabled(enabled);
  }

  /** Off stops the camera (its light goes off); on captures it again and sends it without renegotiating. */
  toggleVideo(enabled: boolean): Promise<void> {
    return this.local.setVideoEnabled(enabled);
  }

  /** In Electron, main's display-media handler answers getDisplayMedia with the user's pick. */
  startScreenShare(): Promise<void> {
    return this.local.startScreen();
  }

  /** Sends the camera again if it was on (nothing if it was off). */
  stopScreenShare(): Promise<void> {
    return this.local.stopScreen();
  }

  switchDevice(kind: 'microphone' | 'camera', deviceId: string): Promise<void> {
    return this.local.switchDevice(kind, deviceId);
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
    const userIds = new Set([
      ...this.connectionStates.keys(),
      ...this.router.transports().flatMap((t) => t.peerIds()),
    ]);
    for (const userId of userIds) {
      const stats = await this.statsOf(userId);
      peers[userId] = {
        ...summarizeReceivedMedia(stats),
        bytesSent: mediaBytesSent(stats),
        state: this.connectionStates.get(userId) ?? null,
        via: this.router.viaOf(userId),
      };
    }
    return { route: this.route, peers, layers: Object.fromEntries(this.router.requestedLayers) };
  }

  /** Hang-up: every track stopped (camera light off), every connection closed, every timer and listener gone. */
  cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    this.monitor.stop();
    this.stopWatchingNetwork();
    this.iceServers.dispose();
    this.router.close();
    this.local.stop();
    this.events.clear();
    this.connectionStates.clear();
  }

  private async statsOf(userId: string): Promise<StatsEntry[]> {
    const report = await this.router.transportFor(userId)?.getStats(userId);
    return report ? [...report.values()] : [];
  }

  /** The mesh, if it should take this signal (see TransportRouter.meshFor). */
  private meshFor(callId: string, fromUserId: string): MeshTransport | null {
    // Late signaling of a previous call, or our own echo, is not an error: there is nothing to apply it to.
    if (this.closed || callId !== this.options.callId || fromUserId === this.options.selfUserId) return null;
    return this.router.meshFor(fromUserId);
  }

  private showPeerState(userId: string, state: PeerState): void {
    if ((this.connectionStates.get(userId) ?? 'closed') === state) return;
    if (state === 'closed') {
      this.connectionStates.delete(userId);
      this.monitor.forget(userId);
    } else {
      this.connectionStates.set(userId, state);
      if (state === 'connected') this.monitor.sampleSoon(userId);
    }
    this.events.emit('peer-state', userId, state);
  }

  private emitError(error: CallEngineError): void {
    this.events.emit('error', { kind: error.kind, message: error.message });
  }
}
