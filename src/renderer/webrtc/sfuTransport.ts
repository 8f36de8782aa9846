import { QUALITY_SAMPLE_INTERVAL_MS } from '../../shared/protocol/index.ts';
import type { SfuOfferEvent, SfuSource, SfuStreamDto } from '../../shared/protocol/index.ts';
import { preferVideoCodecs } from './codecPreferences.ts';
import { localAudioLevel } from './connectionStats.ts';
import type { StatsEntry } from './connectionStats.ts';
import { IceRecovery } from './iceRecovery.ts';
import {
  INITIAL_DOWNLINK_BUDGET,
  nextDownlinkBudget,
  readDownlink,
  sampleFrom,
  selectLayers,
} from './layerSelection.ts';
import type { DownlinkBudgetState, DownlinkCounters, LayerChoice } from './layerSelection.ts';
import type {
  IceServerSource,
  InboundSignal,
  MediaTransport,
  OutgoingMedia,
  TransportObserver,
} from './mediaTransport.ts';
import { connectionConfiguration, NO_OUTGOING_MEDIA } from './mediaTransport.ts';
import { sdpIceUfrag } from '../../shared/sdp.ts';
import { withOpusFecAndNoDtx } from './sdpMunging.ts';
import type { PeerState, RemoteTileView, SignalingPort } from './types.ts';

/**
 * The camera's simulcast layers, highest first with janus.js's rids: Janus numbers substreams from the
 * lowest (0 = 'l'), and `call:sfu-view` maps low/medium/high onto 0/1/2. The caps are what layerSelection.ts
 * counts per layer, so keep the two in step.
 */
export const CAMERA_SIMULCAST_ENCODINGS: readonly RTCRtpEncodingParameters[] = [
  { rid: 'h', maxBitrate: 1_200_000 },
  { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 400_000 },
  { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 120_000 },
];
/** The screen is one full-resolution encoding: scaled-down text is unreadable, so it is never simulcast. */
const SCREEN_ENCODING: RTCRtpEncodingParameters = { maxBitrate: 1_500_000 };
/** The room's video codec: Janus forwards without transcoding, so a room has one codec and we offer it first. */
const ROOM_VIDEO_CODEC = 'video/VP8';
/** A refused publish (the media server busy or failing over) is tried again a few times before it is told. */
const MAX_PUBLISH_ATTEMPTS = 3;
const PUBLISH_RETRY_MS = 2_000;
/** What a tile the UI has not reported yet counts as: a thumbnail, so it has a picture when it appears. */
const UNREPORTED_TILE = { visible: true, width: 160, height: 90 } as const;
const MAX_HELD_CANDIDATES = 200;

export interface SfuTransportOptions {
  callId: string;
  /** The SFU room this transport talks to (see CallTopologyEvent). */
  epoch: number;
  selfUserId: string;
  signaling: SignalingPort;
  iceServers: IceServerSource;
  iceTransportPolicy: RTCIceTransportPolicy;
  observer: TransportObserver;
}

type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'failed';

/**
 * Media through the call's Janus VideoRoom (the backend relays all JSEP; this client never talks to Janus):
 *
 * - publisher: one sendonly connection carrying our audio, our camera as three simulcast layers and, while
 *   sharing, the screen as a third m-line. We offer, `call:sfu-publish` returns the room's answer. Any
 *   m-line change (screen share starts or stops, first camera) is a new publish offer.
 * - subscriber: one recvonly connection carrying everyone else; Janus offers (`call:sfu-offer`), we answer,
 *   and each later offer adds or removes streams. The offer's `streams` say whose each m-line is, and each
 *   remote user gets one MediaStream (their audio, plus their screen while they share, else their camera),
 *   so the UI keeps one tile per participant exactly as on a mesh.
 *
 * Recovery: the publisher restarts ICE itself (a publish offer with iceRestart). The subscriber cannot:
 * Janus is its offerer and the protocol has no "restart my subscription" request, so a subscriber failure
 * also republishes with an ICE restart, which renews our path to the room, and relies on the backend to
 * refresh the subscription (Janus `configure` with `restart: true`) when it sees that restart. If it does
 * not, the subscriber's recovery gives up after MAX_ICE_RESTARTS and the participants are shown as failed.
 */
export class SfuTransport implements MediaTransport {
  readonly epoch: number;
  private readonly options: SfuTransportOptions;
  private readonly publisherReady: Promise<RTCPeerConnection | null>;
  private readonly publisherRecovery: IceRecovery;
  private subscriberRecovery: IceRecovery;
  private readonly publisherCandidates: CandidateTrickle;
  private readonly subscriberCandidates: CandidateTrickle;
  private readonly sampler: ReturnType<typeof setInterval>;
  private outgoing: OutgoingMedia = NO_OUTGOING_MEDIA;
  private audioTransceiver: RTCRtpTransceiver | null = null;
  private cameraTransceiver: RTCRtpTransceiver | null = null;
  private screenTransceiver: RTCRtpTransceiver | null = null;
  private publishWanted = false;
  private iceRestartWanted = false;
  private publishing = false;
  private publishAttempts = 0;
  private subscriber: RTCPeerConnection | null = null;
  /**
   * ICE ufrag of the room's last offer: another one comes from a new Janus subscriber handle (Janus signs every
   * handle with the same certificate, so the DTLS fingerprint cannot tell; the backend never ICE-restarts a
   * subscriber handle, it replaces it).
   */
  private subscriberUfrag: string | null = null;
  private subscriberOperations: Promise<void> = Promise.resolve();
  private streamsByMid = new Map<string, SfuStreamDto>();
  /** Participants we expect (connect) or receive; each gets a PeerState of its own. */
  private readonly users = new Set<string>();
  /** Participants who left: an offer sent before the room noticed may still list their streams. */
  private readonly departed = new Set<string>();
  private readonly composed = new Map<string, { key: string; stream: MediaStream; hasMedia: boolean }>();
  private readonly reportedStates = new Map<string, PeerState>();
  private publisherState: ConnectionState = 'connecting';
  private subscriberState: ConnectionState = 'connecting';
  private tiles: readonly RemoteTileView[] | null = null;
  private activeSpeakerId: string | null = null;
  private lastView = new Map<string, LayerChoice['layer']>();
  private downlink: DownlinkBudgetState = INITIAL_DOWNLINK_BUDGET;
  private downlinkCounters: DownlinkCounters | null = null;
  private sampling = false;
  private closed = false;

  constructor(options: SfuTransportOptions) {
    this.options = options;
    this.epoch = options.epoch;
    const { callId, epoch, signaling } = options;
    this.publisherCandidates = new CandidateTrickle((candidate) =>
      signaling.sfuIceCandidate({ callId, epoch, connection: 'publisher', candidate }),
    );
    this.subscriberCandidates = new CandidateTrickle((candidate) =>
      signaling.sfuIceCandidate({ callId, epoch, connection: 'subscriber', candidate }),
    );
    this.publisherRecovery = new IceRecovery({
      restart: () => void this.renewPaths(),
      state: (state) => this.setConnectionState('publisher', state),
      error: (kind, message) => this.reportToEveryone(kind, message),
    });
    this.subscriberRecovery = this.createSubscriberRecovery();
    this.publisherReady = options.iceServers.get().then((servers) => this.createPublisher(servers));
    this.sampler = setInterval(() => void this.sampleDownlink(), QUALITY_SAMPLE_INTERVAL_MS);
  }

  // -------------------------------------------------------------------------------------------------------
  // MediaTransport
  // -------------------------------------------------------------------------------------------------------

  connect(userId: string): void {
    if (this.closed || userId === this.options.selfUserId || this.users.has(userId)) return;
    this.departed.delete(userId);
    this.users.add(userId);
    this.recompose();
    this.updateStates();
  }

  /** Peer-to-peer signaling has no meaning here: everything goes through the room. */
  handleSignal(_fromUserId: string, _signal: InboundSignal): Promise<void> {
    return Promise.resolve();
  }

  /**
   * A participant who reloaded publishes anew and the room's next offer brings their new streams, which are
   * announced even if Janus reuses the same m-lines (and tracks) for them. After a failure (the UI's retry)
   * both connections start over.
   */
  reset(userId: string): void {
    this.connect(userId);
    const composed = this.composed.get(userId);
    if (composed) this.composed.set(userId, { ...composed, key: '' });
    if (this.publisherState === 'failed' || this.subscriberState === 'failed') this.restartIce();
  }

  disconnect(userId: string): void {
    this.departed.add(userId);
    if (!this.users.delete(userId)) return;
    this.composed.delete(userId);
    this.reportedStates.delete(userId);
    this.options.observer.peerState(userId, 'closed');
  }

  peerIds(): string[] {
    return [...this.users];
  }

  async setOutgoing(media: OutgoingMedia): Promise<void> {
    this.outgoing = media;
    const pc = await this.publisherReady;
    if (!pc || this.closed) return;
    const { replacements, renegotiate } = this.syncPublisher(pc);
    await Promise.all(replacements);
    // The first call publishes (again, if every attempt so far failed); later ones only when an m-line came
    // or went: track swaps need no offer.
    if (renegotiate || (!pc.remoteDescription && !this.publishing)) this.requestPublish(false);
  }

  /** Simulcast adapts instead: each viewer picks its layer, and the browser drops layers its uplink cannot carry. */
  setSendProfile(): void {}

  updateIceServers(servers: RTCIceServer[]): void {
    void this.publisherReady.then((pc) => pc && this.applyIceServers(pc, servers));
    if (this.subscriber) this.applyIceServers(this.subscriber, servers);
  }

  restartIce(): void {
    if (this.closed) return;
    this.publisherRecovery.onNetworkChange();
    this.subscriberRecovery.onNetworkChange();
  }

  setRemoteView(tiles: readonly RemoteTileView[], activeSpeakerId: string | null): void {
    this.tiles = tiles;
    this.activeSpeakerId = activeSpeakerId;
    this.refreshView();
  }

  /**
   * The participant's inbound streams from the subscriber ("you receive them"), and our publisher's transport,
   * candidate pairs, outbound and remote-inbound stats (RTT, the uplink estimate and how the room receives us):
   * with those the engine's quality classification reads an SFU participant like a mesh peer.
   */
  async getStats(userId: string): Promise<ReadonlyMap<string, StatsEntry> | null> {
    const publisher = await this.publisherReady;
    if (this.closed || (!publisher && !this.subscriber)) return null;
    const [subscriberReport, publisherReport] = await Promise.all([
      this.subscriber?.getStats() ?? null,
      publisher?.getStats() ?? null,
    ]);
    const result = new Map<string, StatsEntry>();
    if (subscriberReport) {
      const { mids, trackIds } = this.receiversOf(userId);
      const entries = [...(subscriberReport.values() as Iterable<StatsEntry>)];
      const byId = new Map(entries.map((e) => [e.id, e]));
      for (const entry of entries) {
        if (entry.type !== 'inbound-rtp') continue;
        const mine =
          (typeof entry.mid === 'string' && mids.has(entry.mid)) ||
          (typeof entry.trackIdentifier === 'string' && trackIds.has(entry.trackIdentifier));
        if (!mine) continue;
        result.set(entry.id, entry);
        const codec = typeof entry.codecId === 'string' ? byId.get(entry.codecId) : undefined;
        if (codec) result.set(codec.id, codec);
      }
    }
    const path = hasSelectedPair(publisherReport) ? publisherReport : subscriberReport;
    for (const entry of (path?.values() ?? []) as Iterable<StatsEntry>) {
      if (PATH_STATS.has(entry.type)) result.set(entry.id, entry);
    }
    // How the room receives us: Janus's receiver reports and our retransmissions (see linkQuality.ts).
    for (const entry of (publisherReport?.values() ?? []) as Iterable<StatsEntry>) {
      if (entry.type === 'remote-inbound-rtp' || entry.type === 'outbound-rtp') result.set(entry.id, entry);
    }
    return result;
  }

  async readAudioLevels(): Promise<{ local: number | null; remote: Map<string, number> }> {
    const remote = new Map<string, number>();
    for (const transceiver of this.subscriber?.getTransceivers() ?? []) {
      const stream = transceiver.mid === null ? undefined : this.streamsByMid.get(transceiver.mid);
      if (stream?.kind !== 'audio' || !isReceiving(transceiver)) continue;
      for (const source of transceiver.receiver.getSynchronizationSources()) {
        if (source.audioLevel === undefined) continue;
        remote.set(stream.userId, Math.max(remote.get(stream.userId) ?? 0, source.audioLevel));
      }
    }
    const sender = this.audioTransceiver?.sender;
    const local = sender?.track && !this.closed ? localAudioLevel((await sender.getStats()).values()) : null;
    return { local, remote };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sampler);
    this.publisherRecovery.dispose();
    this.subscriberRecovery.dispose();
    void this.publisherReady.then((pc) => pc?.close());
    this.subscriber?.close();
    for (const userId of [...this.users]) this.disconnect(userId);
  }

  // -------------------------------------------------------------------------------------------------------
  // SFU specific
  // -------------------------------------------------------------------------------------------------------

  /** The room's subscription offer (first or update): applied and answered one at a time, in order. */
  handleSfuOffer(e: SfuOfferEvent): Promise<void> {
    const run = this.subscriberOperations.then(() => this.applySubscriptionOffer(e));
    this.subscriberOperations = run.catch(() => undefined);
    return run;
  }

  /** The layers last asked for, by `${userId}/${source}` (for tests and the debug overlay). */
  get requestedLayers(): ReadonlyMap<string, LayerChoice['layer']> {
    return this.lastView;
  }

  // -------------------------------------------------------------------------------------------------------
  // Publisher
  // -------------------------------------------------------------------------------------------------------

  private createPublisher(servers: RTCIceServer[]): RTCPeerConnection | null {
    if (this.closed) return null;
    const pc = this.createConnection(servers, 'publisher');
    if (!pc) return null;
    pc.addEventListener('icecandidate', (e) => {
      if (!this.closed) this.publisherCandidates.add(e.candidate ? e.candidate.toJSON() : null);
    });
    pc.addEventListener('iceconnectionstatechange', () => {
      if (!this.closed) this.publisherRecovery.onIceConnectionState(pc.iceConnectionState);
    });
    return pc;
  }

  /**
   * Brings the publisher's m-lines in line with what we send. Track swaps (camera off/on, another device)
   * ride on the existing m-lines; only an m-line that starts or stops sending needs a new publish offer.
   */
  private syncPublisher(pc: RTCPeerConnection): { replacements: Promise<void>[]; renegotiate: boolean } {
    const media = this.outgoing;
    const streams = media.stream ? [media.stream] : [];
    const replacements: Promise<void>[] = [];
    let renegotiate = false;
    const replace = (transceiver: RTCRtpTransceiver, track: MediaStreamTrack | null) => {
      if (transceiver.sender.track !== track) replacements.push(transceiver.sender.replaceTrack(track));
    };

    if (!this.audioTransceiver) {
      // Always published, even before the microphone opens: mute is a disabled track, not a missing m-line.
      this.audioTransceiver = pc.addTransceiver(media.audio ?? 'audio', { direction: 'sendonly', streams });
      renegotiate = true;
    } else {
      replace(this.audioTransceiver, media.audio);
    }

    if (!this.cameraTransceiver) {
      if (media.camera || media.starting.video) {
        this.cameraTransceiver = pc.addTransceiver(media.camera ?? 'video', {
          direction: 'sendonly',
          streams,
          sendEncodings: CAMERA_SIMULCAST_ENCODINGS.map((e) => ({ ...e })),
        });
        renegotiate = true;
      }
    } else {
      // Camera off keeps the m-line (and the viewers' subscription): frames stop, the tile shows the avatar.
      replace(this.cameraTransceiver, media.camera);
    }

    if (media.screen) {
      if (!this.screenTransceiver) {
        this.screenTransceiver = pc.addTransceiver(media.screen, {
          direction: 'sendonly',
          sendEncodings: [{ ...SCREEN_ENCODING }],
        });
        renegotiate = true;
      } else {
        replace(this.screenTransceiver, media.screen);
        if (this.screenTransceiver.direction !== 'sendonly') {
          this.screenTransceiver.direction = 'sendonly';
          renegotiate = true;
        }
      }
    } else if (this.screenTransceiver && this.screenTransceiver.direction !== 'inactive') {
      // An inactive m-line unpublishes the screen in the room, so viewers fall back to the camera.
      replace(this.screenTransceiver, null);
      this.screenTransceiver.direction = 'inactive';
      renegotiate = true;
    }
    return { replacements, renegotiate };
  }

  private requestPublish(iceRestart: boolean): void {
    if (this.closed) return;
    this.publishWanted = true;
    this.iceRestartWanted ||= iceRestart;
    if (!this.publishing) void this.publishLoop();
  }

  /** One publish at a time; whatever was asked for meanwhile is folded into the next round. */
  private async publishLoop(): Promise<void> {
    this.publishing = true;
    try {
      while (this.publishWanted && !this.closed) {
        const iceRestart = this.iceRestartWanted;
        this.publishWanted = false;
        this.iceRestartWanted = false;
        await this.publishOnce(iceRestart);
      }
    } finally {
      this.publishing = false;
    }
  }

  private async publishOnce(iceRestart: boolean): Promise<void> {
    const pc = await this.publisherReady;
    if (!pc || this.closed) return;
    const { replacements } = this.syncPublisher(pc);
    await Promise.all(replacements);
    preferVideoCodecs(pc, ROOM_VIDEO_CODEC);
    // Candidates wait for the room's answer: the backend has no publisher to give them to before it.
    this.publisherCandidates.hold();
    let offer: RTCSessionDescriptionInit;
    try {
      offer = await pc.createOffer(iceRestart ? { iceRestart: true } : {});
      await pc.setLocalDescription(offer);
    } catch (err) {
      this.publishFailed(err, iceRestart);
      return;
    }
    const { callId, epoch } = this.options;
    let answer: { type: 'answer'; sdp: string };
    try {
      answer = await this.options.signaling.sfuPublish({
        callId,
        epoch,
        offer: { type: 'offer', sdp: withOpusFecAndNoDtx(offer.sdp ?? '') },
        sources: this.publishedSources(),
      });
    } catch (err) {
      if (this.closed) return;
      // Back to stable, so the next attempt (or a later change) can offer again.
      await pc.setLocalDescription({ type: 'rollback' }).catch(() => undefined);
      // 'conflict': the call moved to another room; the engine is about to replace this transport.
      if (errorCode(err) !== 'conflict') this.publishFailed(err, iceRestart);
      return;
    }
    if (this.closed) return;
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: withOpusFecAndNoDtx(answer.sdp) });
    } catch (err) {
      this.publishFailed(err, iceRestart);
      return;
    }
    this.publishAttempts = 0;
    this.publisherCandidates.release();
  }

  /** Each sending m-line and what it carries, by mid (known once the offer is set). */
  private publishedSources(): { mid: string; source: SfuSource }[] {
    const lines: [RTCRtpTransceiver | null, SfuSource][] = [
      [this.audioTransceiver, 'audio'],
      [this.cameraTransceiver, 'camera'],
      [this.screenTransceiver, 'screen'],
    ];
    return lines.flatMap(([transceiver, source]) =>
      transceiver && transceiver.mid !== null && transceiver.direction === 'sendonly'
        ? [{ mid: transceiver.mid, source }]
        : [],
    );
  }

  private publishFailed(err: unknown, iceRestart: boolean): void {
    if (this.closed) return;
    this.publishAttempts += 1;
    console.warn(`[webrtc] sfu: publish attempt ${this.publishAttempts} failed`, errorText(err));
    if (this.publishAttempts < MAX_PUBLISH_ATTEMPTS) {
      setTimeout(() => this.requestPublish(iceRestart), PUBLISH_RETRY_MS);
      return;
    }
    this.publishAttempts = 0;
    this.setConnectionState('publisher', 'failed');
    this.reportToEveryone('connection-lost', 'Your audio and video could not reach the media server.');
  }

  private async renewPaths(): Promise<void> {
    const servers = await this.options.iceServers.fresh();
    if (this.closed) return;
    this.updateIceServers(servers);
    // Also what renews a failed subscriber path (see the class comment).
    this.requestPublish(true);
  }

  // -------------------------------------------------------------------------------------------------------
  // Subscriber
  // -------------------------------------------------------------------------------------------------------

  private async applySubscriptionOffer(e: SfuOfferEvent): Promise<void> {
    if (this.closed) return;
    const ufrag = sdpIceUfrag(e.offer.sdp);
    if (this.subscriber && ufrag !== this.subscriberUfrag) this.replaceSubscriber();
    this.subscriberUfrag = ufrag;
    const pc = this.subscriber ?? (await this.createSubscriber());
    if (!pc || this.closed) return;
    try {
      this.streamsByMid = new Map(e.streams.map((s) => [s.mid, s]));
      for (const { userId } of e.streams) {
        if (userId !== this.options.selfUserId && !this.departed.has(userId)) this.users.add(userId);
      }
      this.subscriberCandidates.hold();
      await pc.setRemoteDescription({ type: 'offer', sdp: withOpusFecAndNoDtx(e.offer.sdp) });
      await pc.setLocalDescription();
      const answer = pc.localDescription;
      if (this.closed || !answer) return;
      this.options.signaling.sfuAnswer({
        callId: this.options.callId,
        epoch: this.epoch,
        answer: { type: 'answer', sdp: withOpusFecAndNoDtx(answer.sdp) },
      });
      this.subscriberCandidates.release();
    } catch (err) {
      if (this.closed) return;
      console.warn('[webrtc] sfu: subscription offer not applied', errorText(err));
      this.reportToEveryone('connection-lost', "Could not receive the others' audio and video.");
      return;
    }
    this.recompose();
    this.updateStates();
    this.refreshView();
  }

  private createSubscriberRecovery(): IceRecovery {
    return new IceRecovery({
      restart: () => void this.renewPaths(),
      state: (state) => this.setConnectionState('subscriber', state),
      error: (kind, message) => this.reportToEveryone(kind, message),
    });
  }

  /**
   * The backend answers a dead subscription (Janus hung it up after an ICE or DTLS failure) with a new Janus
   * handle, whose offer carries another DTLS certificate: that can only be answered by a new connection.
   */
  private replaceSubscriber(): void {
    this.subscriber?.close();
    this.subscriber = null;
    this.subscriberRecovery.dispose();
    this.subscriberRecovery = this.createSubscriberRecovery();
    this.subscriberState = 'connecting';
    this.downlinkCounters = null;
  }

  private async createSubscriber(): Promise<RTCPeerConnection | null> {
    const servers = await this.options.iceServers.get();
    if (this.closed || this.subscriber) return this.subscriber;
    const pc = this.createConnection(servers, 'subscriber');
    if (!pc) return null;
    this.subscriber = pc;
    pc.addEventListener('icecandidate', (e) => {
      if (!this.closed) this.subscriberCandidates.add(e.candidate ? e.candidate.toJSON() : null);
    });
    pc.addEventListener('iceconnectionstatechange', () => {
      if (!this.closed) this.subscriberRecovery.onIceConnectionState(pc.iceConnectionState);
    });
    return pc;
  }

  /**
   * One MediaStream per remote participant: their audio and the video their tile shows (the screen while
   * they share, else the camera). A new MediaStream whenever that changes, so a <video> bound to the old
   * one is rebound rather than left guessing which of its tracks to play.
   */
  private recompose(): void {
    const pc = this.subscriber;
    if (!pc) return;
    const bySource = new Map<string, Partial<Record<SfuSource, MediaStreamTrack>>>();
    for (const transceiver of pc.getTransceivers()) {
      const stream = transceiver.mid === null ? undefined : this.streamsByMid.get(transceiver.mid);
      if (!stream || stream.userId === this.options.selfUserId || !isReceiving(transceiver)) continue;
      if (transceiver.receiver.track.kind !== stream.kind) continue;
      const tracks = bySource.get(stream.userId) ?? {};
      tracks[stream.source] = transceiver.receiver.track;
      bySource.set(stream.userId, tracks);
    }
    for (const userId of new Set([...bySource.keys(), ...this.composed.keys()])) {
      if (!this.users.has(userId)) continue;
      const sources = bySource.get(userId) ?? {};
      const tracks = [sources.audio, sources.screen ?? sources.camera].filter(
        (t): t is MediaStreamTrack => t !== undefined,
      );
      const key = tracks.map((t) => t.id).join(' ');
      const previous = this.composed.get(userId);
      if (previous?.key === key) continue;
      const stream = new MediaStream(tracks);
      this.composed.set(userId, { key, stream, hasMedia: tracks.length > 0 });
      this.options.observer.remoteStream(userId, stream);
    }
  }

  private receiversOf(userId: string): { mids: Set<string>; trackIds: Set<string> } {
    const mids = new Set<string>();
    const trackIds = new Set<string>();
    for (const transceiver of this.subscriber?.getTransceivers() ?? []) {
      const mid = transceiver.mid;
      if (mid === null || this.streamsByMid.get(mid)?.userId !== userId) continue;
      mids.add(mid);
      trackIds.add(transceiver.receiver.track.id);
    }
    return { mids, trackIds };
  }

  // -------------------------------------------------------------------------------------------------------
  // Layers
  // -------------------------------------------------------------------------------------------------------

  /** Computes the layers for the streams we receive and sends `call:sfu-view` when they changed. */
  private refreshView(): void {
    if (this.closed || this.tiles === null) return;
    const tiles = this.tiles;
    const videos = [...this.streamsByMid.values()].filter(
      (s): s is SfuStreamDto & { source: 'camera' | 'screen' } =>
        s.kind === 'video' && s.source !== 'audio' && s.userId !== this.options.selfUserId,
    );
    const shown = new Map<string, 'camera' | 'screen'>();
    for (const s of videos) if (s.source === 'screen' || !shown.has(s.userId)) shown.set(s.userId, s.source);

    const effective: RemoteTileView[] = [];
    for (const { userId, source } of videos) {
      const ofUser = tiles.filter((t) => t.userId === userId);
      const bothReported = new Set(ofUser.map((t) => t.source)).size > 1;
      const isShown = shown.get(userId) === source;
      if (bothReported) {
        // The UI shows this participant's camera and screen side by side: each tile sizes its own stream.
        const exact = ofUser.filter((t) => t.source === source);
        effective.push(...(exact.length > 0 ? exact : [hiddenTile(userId, source)]));
      } else if (ofUser.length > 0) {
        // One tile per participant: it shows their screen while they share, else their camera (as composed
        // in recompose), whatever source the UI guessed; their other video is not on screen.
        effective.push(...(isShown ? ofUser.map((t) => ({ ...t, source })) : [hiddenTile(userId, source)]));
      } else {
        effective.push(isShown ? { userId, source, ...UNREPORTED_TILE } : hiddenTile(userId, source));
      }
    }
    const choices = selectLayers({
      tiles: effective,
      activeSpeakerId: this.activeSpeakerId,
      devicePixelRatio: globalThis.devicePixelRatio ?? 1,
      budgetKbps: this.downlink.budgetKbps,
    });
    const next = new Map(choices.map((c) => [`${c.userId}/${c.source}`, c.layer]));
    if (sameView(next, this.lastView)) return;
    this.lastView = next;
    this.options.signaling.sfuView({
      callId: this.options.callId,
      epoch: this.epoch,
      streams: choices.map(({ userId, source, layer }) => ({ userId, source, layer })),
    });
  }

  private async sampleDownlink(): Promise<void> {
    const pc = this.subscriber;
    if (!pc || this.closed || this.sampling) return;
    this.sampling = true;
    try {
      const report = await pc.getStats();
      if (this.closed) return;
      const read = readDownlink(report.values() as Iterable<StatsEntry>, Date.now());
      const sample = sampleFrom(this.downlinkCounters, read.counters, read.availableIncomingKbps);
      this.downlinkCounters = read.counters;
      if (sample) this.downlink = nextDownlinkBudget(this.downlink, sample);
      this.refreshView();
    } finally {
      this.sampling = false;
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Shared
  // -------------------------------------------------------------------------------------------------------

  private createConnection(
    servers: RTCIceServer[],
    role: 'publisher' | 'subscriber',
  ): RTCPeerConnection | null {
    let pc: RTCPeerConnection;
    try {
      pc = new RTCPeerConnection(connectionConfiguration(servers, this.options.iceTransportPolicy));
    } catch (err) {
      console.warn(`[webrtc] sfu: ${role} not created`, errorText(err));
      this.setConnectionState(role, 'failed');
      this.reportToEveryone('ice-failed', 'The ICE server configuration is invalid.');
      return null;
    }
    pc.addEventListener('icecandidateerror', (e) => {
      // See PeerSession: a 401 on a TURN url is a refusal of the credentials in use.
      if (!this.closed && e.errorCode === 401 && /^turns?:/i.test(e.url)) {
        this.options.observer.turnAuthFailed(this.options.selfUserId, pc.getConfiguration().iceServers ?? []);
      }
    });
    return pc;
  }

  private applyIceServers(pc: RTCPeerConnection, servers: RTCIceServer[]): void {
    if (this.closed) return;
    try {
      pc.setConfiguration({ ...pc.getConfiguration(), iceServers: servers });
    } catch (err) {
      console.warn('[webrtc] sfu: renewed ICE servers not applied', errorText(err));
    }
  }

  private setConnectionState(role: 'publisher' | 'subscriber', state: PeerState): void {
    if (state === 'closed') return;
    if (role === 'publisher') this.publisherState = state;
    else this.subscriberState = state;
    this.updateStates();
  }

  /**
   * A participant is connected once the subscriber carries their media; a broken path to the room (either
   * connection) breaks everyone, because the room is the only path there is.
   */
  private stateOf(userId: string): PeerState {
    const states = [this.publisherState, this.subscriberState];
    if (states.includes('failed')) return 'failed';
    if (states.includes('reconnecting')) return 'reconnecting';
    if (this.subscriberState === 'connected' && this.composed.get(userId)?.hasMedia) return 'connected';
    return 'connecting';
  }

  private updateStates(): void {
    if (this.closed) return;
    for (const userId of this.users) {
      const state = this.stateOf(userId);
      if (this.reportedStates.get(userId) === state) continue;
      this.reportedStates.set(userId, state);
      this.options.observer.peerState(userId, state);
    }
  }

  private reportToEveryone(kind: 'ice-failed' | 'connection-lost', message: string): void {
    if (this.closed) return;
    for (const userId of this.users) this.options.observer.error(kind, userId, message);
  }
}

function hiddenTile(userId: string, source: 'camera' | 'screen'): RemoteTileView {
  return { userId, source, visible: false, width: 0, height: 0 };
}

const PATH_STATS = new Set(['transport', 'candidate-pair', 'local-candidate', 'remote-candidate']);

function hasSelectedPair(report: RTCStatsReport | null): report is RTCStatsReport {
  if (!report) return false;
  for (const entry of report.values() as Iterable<StatsEntry>) {
    if (entry.type === 'transport' && typeof entry.selectedCandidatePairId === 'string') return true;
  }
  return false;
}

function isReceiving(transceiver: RTCRtpTransceiver): boolean {
  return transceiver.currentDirection === 'recvonly' || transceiver.currentDirection === 'sendrecv';
}

function sameView(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, layer] of a) if (b.get(key) !== layer) return false;
  return true;
}

function errorCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

/** The browser's own wording of an error, for the console only (never a stack). */
function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * Trickles one connection's candidates, holding them while its description is on the way: the backend can
 * hand a candidate to Janus only once the handle has the offer or answer it belongs to.
 */
class CandidateTrickle {
  private held: (RTCIceCandidateInit | null)[] | null = null;
  private readonly send: (candidate: RTCIceCandidateInit | null) => void;

  constructor(send: (candidate: RTCIceCandidateInit | null) => void) {
    this.send = send;
  }

  hold(): void {
    this.held ??= [];
  }

  add(candidate: RTCIceCandidateInit | null): void {
    if (this.held === null) this.send(candidate);
    else if (this.held.length < MAX_HELD_CANDIDATES) this.held.push(candidate);
  }

  release(): void {
    const held = this.held ?? [];
    this.held = null;
    held.forEach((candidate) => this.send(candidate));
  }
}
