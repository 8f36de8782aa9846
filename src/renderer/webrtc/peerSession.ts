import { AnswerChannelEnd, offerAnswerChannel } from './answerChannel.ts';
import { CandidateTrickle } from './candidateTrickle.ts';
import { preferVideoCodecs } from './codecPreferences.ts';
import { localAudioLevel } from './connectionStats.ts';
import { errorText } from './errorText.ts';
import { FirstOfferDeferral } from './firstOfferDeferral.ts';
import { IceRecovery } from './iceRecovery.ts';
import type { IceServerSource, OutgoingMedia, TransportObserver } from './mediaTransport.ts';
import { connectionConfiguration } from './mediaTransport.ts';
import { INITIAL_LADDER_STATE } from './qualityLadder.ts';
import { RemoteCandidates } from './remoteCandidates.ts';
import { addInitialTransceivers, applySendProfile, syncSenders } from './senderSync.ts';
import type { VideoProfileName } from './qualityLadder.ts';
import { sdpFingerprint } from '../../shared/sdp.ts';
import { asDtlsServer, withOpusFecAndNoDtx } from './sdpMunging.ts';
import type { PeerAddress, PeerState, SignalingPort } from './types.ts';

export interface PeerSessionOptions {
  callId: string;
  peerUserId: string;
  /** Perfect negotiation: the polite side rolls back its own offer when offers collide. */
  polite: boolean;
  /** An offerer asks for media it does not send (recvonly m-lines); an answerer follows the remote offer. */
  role: 'offerer' | 'answerer';
  signaling: SignalingPort;
  /** The peer's device this session talks to, when known (see `device`). */
  device?: string | null;
  iceServers: IceServerSource;
  iceTransportPolicy: RTCIceTransportPolicy;
  outgoing: () => OutgoingMedia;
  observer: TransportObserver;
  /** An offer to someone still ringing: its answer channel (answerChannel.ts) calls this when they pick up. */
  onPeerAnswered?: () => void;
}

/**
 * One RTCPeerConnection toward one remote participant, negotiated with the W3C "perfect negotiation"
 * pattern so that both sides may (re)negotiate at any time and colliding offers never deadlock.
 *
 * Inbound signaling is applied strictly one message at a time (the `operations` chain). That keeps
 * candidates behind the description they belong to, and means an answer is never half-applied when the
 * next offer is examined, which is what the W3C example's `isSettingRemoteAnswerPending` flag guards
 * against; with the queue, `makingOffer` alone tells whether an incoming offer collides with ours.
 */
export class PeerSession {
  readonly peerUserId: string;
  /** DTLS fingerprint of the last applied remote description: a different one means a new remote connection. */
  remoteFingerprint: string | null = null;
  /**
   * The peer's device on the other end: null until it is known (our offer to someone still ringing reaches
   * all their devices; the first answer binds the session to its device). What we send is addressed to it.
   */
  device: string | null;

  private readonly options: PeerSessionOptions;
  private readonly ready: Promise<RTCPeerConnection | null>;
  private readonly recovery: IceRecovery;
  private readonly remoteStream = new MediaStream();
  private operations: Promise<void> = Promise.resolve();
  private readonly remoteCandidates = new RemoteCandidates();
  private makingOffer = false;
  private ignoreOffer = false;
  private restarting = false;
  private closed = false;
  private profile: VideoProfileName = INITIAL_LADDER_STATE.profile;
  private currentState: PeerState | null = null;
  private readonly ownCandidates: CandidateTrickle;
  private readonly firstOffer: FirstOfferDeferral;
  private answerChannel: AnswerChannelEnd | null = null;

  constructor(options: PeerSessionOptions) {
    this.options = options;
    this.peerUserId = options.peerUserId;
    this.device = options.device ?? null;
    this.ownCandidates = new CandidateTrickle((candidate) =>
      this.options.signaling.sendIceCandidate({ ...this.address(), candidate }),
    );
    this.firstOffer = new FirstOfferDeferral(this.ownCandidates);
    this.recovery = new IceRecovery({
      restart: () => void this.restartIce(),
      state: (state) => this.setState(state),
      error: (kind, message) => this.options.observer.error(kind, this.peerUserId, message),
    });
    this.setState('connecting');
    this.ready = options.iceServers.get().then((servers) => this.createConnection(servers));
  }

  get state(): PeerState | null {
    return this.currentState;
  }

  /** What the peer sends us so far; null before their first track. */
  get remoteMedia(): MediaStream | null {
    return this.remoteStream.getTracks().length > 0 ? this.remoteStream : null;
  }

  handleDescription(description: { type: 'offer' | 'answer'; sdp: string }): Promise<void> {
    return this.enqueue((pc) => this.applyDescription(pc, description));
  }

  handleCandidate(candidate: RTCIceCandidateInit | null): Promise<void> {
    return this.enqueue((pc) => this.applyCandidate(pc, candidate));
  }

  /** Brings the senders in line with what the call sends now (see OutgoingMedia). */
  syncOutgoing(): Promise<void> {
    return this.enqueue(async (pc) => {
      await syncSenders(pc, this.options.outgoing());
      await this.applySendProfile(pc);
    });
  }

  setSendProfile(profile: VideoProfileName): void {
    if (profile === this.profile) return;
    this.profile = profile;
    void this.enqueue((pc) => this.applySendProfile(pc));
  }

  setIceServers(servers: RTCIceServer[]): void {
    void this.ready.then((pc) => {
      if (pc && !this.closed) this.applyIceServers(pc, servers);
    });
  }

  onNetworkChange(): void {
    if (!this.closed) this.recovery.onNetworkChange();
  }

  async getStats(): Promise<RTCStatsReport | null> {
    const pc = await this.ready;
    return pc && !this.closed ? pc.getStats() : null;
  }

  /**
   * The loudest remote audio source right now. Read from the receivers' synchronization sources rather than
   * getStats(): it is synchronous and cheap, and it is polled four times a second for every peer.
   */
  async remoteAudioLevel(): Promise<number | null> {
    const pc = await this.ready;
    if (!pc || this.closed) return null;
    const levels = pc
      .getReceivers()
      .filter((r) => r.track.kind === 'audio')
      .flatMap((r) => r.getSynchronizationSources())
      .map((s) => s.audioLevel)
      .filter((level): level is number => level !== undefined);
    return levels.length > 0 ? Math.max(...levels) : null;
  }

  /** Our microphone's level as this connection's audio sender measures it. */
  async localAudioLevel(): Promise<number | null> {
    const pc = await this.ready;
    const sender = pc?.getSenders().find((s) => s.track?.kind === 'audio');
    if (!sender || this.closed) return null;
    return localAudioLevel((await sender.getStats()).values());
  }

  /**
   * The peer answered the call before our first offer left: a plain client may now offer itself (one that
   * ignores the ring's offer and offers once it has answered), and an offer of ours crossing theirs is glare
   * that the spec gives it no way to resolve. So ours waits `ms` for theirs, which closes this session (see
   * MeshTransport.handleSignal); a peer that waits for the caller's offer as the spec has it gets ours then.
   */
  deferFirstOffer(ms: number): void {
    if (!this.closed) this.firstOffer.start(ms);
  }

  /** We picked up the call this session's peer rings us with: tells them now, if their offer can carry it. */
  sayAnswered(): void {
    this.answerChannel?.sayAnswered();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.firstOffer.cancel();
    this.recovery.dispose();
    void this.ready.then((pc) => pc?.close());
  }

  private address(): PeerAddress {
    const { callId } = this.options;
    return this.device === null
      ? { callId, targetUserId: this.peerUserId }
      : { callId, targetUserId: this.peerUserId, targetDeviceId: this.device };
  }

  private async createConnection(servers: RTCIceServer[]): Promise<RTCPeerConnection | null> {
    if (this.closed) return null;
    let pc: RTCPeerConnection;
    try {
      pc = new RTCPeerConnection(connectionConfiguration(servers, this.options.iceTransportPolicy));
    } catch (err) {
      this.fail('ice-failed', 'The ICE server configuration is invalid.', err);
      return null;
    }
    addInitialTransceivers(pc, this.options.outgoing(), this.options.role);
    const { onPeerAnswered } = this.options;
    if (onPeerAnswered) {
      offerAnswerChannel(pc, () => {
        if (!this.closed) onPeerAnswered();
      });
    } else {
      this.answerChannel = new AnswerChannelEnd(pc);
    }
    pc.addEventListener('negotiationneeded', () => void this.makeOffer(pc));
    pc.addEventListener('icecandidate', (e) => {
      if (this.closed) return;
      this.ownCandidates.add(e.candidate ? e.candidate.toJSON() : null);
    });
    pc.addEventListener('icecandidateerror', (e) => {
      // Chromium reports credentials a TURN server refuses as 401 on the TURN url (the normal 401 challenge
      // that precedes an authenticated Allocate is not reported). The servers in use are passed along so
      // the engine can tell a refusal of current credentials from a late one of replaced credentials.
      if (!this.closed && e.errorCode === 401 && /^turns?:/i.test(e.url)) {
        this.options.observer.turnAuthFailed(this.peerUserId, pc.getConfiguration().iceServers ?? []);
      }
    });
    pc.addEventListener('iceconnectionstatechange', () => {
      if (!this.closed) this.recovery.onIceConnectionState(pc.iceConnectionState);
    });
    pc.addEventListener('track', (e) => {
      if (this.closed) return;
      if (!this.remoteStream.getTracks().includes(e.track)) this.remoteStream.addTrack(e.track);
      this.options.observer.remoteStream(this.peerUserId, this.remoteStream);
    });
    return pc;
  }

  private async makeOffer(pc: RTCPeerConnection): Promise<void> {
    // negotiationneeded is queued as a task; if an offer arrived meanwhile the browser fires it again once stable.
    if (this.closed || pc.signalingState !== 'stable') return;
    try {
      this.makingOffer = true;
      preferVideoCodecs(pc);
      await pc.setLocalDescription();
      await this.firstOffer.wait();
      // A polite peer may have rolled this offer back for the remote one while it was being set.
      const offer = pc.localDescription;
      if (this.closed || offer?.type !== 'offer') return;
      this.options.signaling.sendOffer({
        ...this.address(),
        offer: { type: 'offer', sdp: withOpusFecAndNoDtx(offer.sdp) },
      });
      this.firstOffer.sent();
    } catch (err) {
      this.fail('connection-lost', 'Could not negotiate media with this participant.', err);
    } finally {
      this.makingOffer = false;
      this.firstOffer.settle(!this.closed);
    }
  }

  private async applyDescription(
    pc: RTCPeerConnection,
    received: { type: 'offer' | 'answer'; sdp: string },
  ): Promise<void> {
    const description = { type: received.type, sdp: withOpusFecAndNoDtx(received.sdp) };
    const offerCollision =
      description.type === 'offer' && (this.makingOffer || pc.signalingState !== 'stable');
    this.ignoreOffer = !this.options.polite && offerCollision;
    if (this.ignoreOffer) return;
    // An answer with no offer of ours outstanding is stale (its offer was rolled back); applying it would throw.
    if (description.type === 'answer' && pc.signalingState !== 'have-local-offer') return;

    // On collision the polite side's setRemoteDescription rolls its own offer back implicitly.
    await pc.setRemoteDescription(description);
    this.remoteFingerprint = sdpFingerprint(description.sdp);
    if (description.type === 'offer') {
      // The offer's m-lines took over our transceivers; a capture still starting sends on them from now on.
      await syncSenders(pc, this.options.outgoing());
      preferVideoCodecs(pc);
      // The answer is created first and the held candidates queued behind it on the connection's own
      // operations chain: none of them is needed for the answer, which the peer is waiting for.
      const answered = pc.setLocalDescription(await firstAnswerAsDtlsServer(pc));
      const candidates = this.remoteCandidates.flush(pc);
      await answered;
      if (pc.localDescription && !this.closed) {
        this.options.signaling.sendAnswer({
          ...this.address(),
          answer: { type: 'answer', sdp: withOpusFecAndNoDtx(pc.localDescription.sdp) },
        });
      }
      await candidates;
    } else {
      await this.remoteCandidates.flush(pc);
    }
    // Encodings exist only once a sender has been negotiated; the ladder is (re)applied after every round.
    await this.applySendProfile(pc);
  }

  private async applyCandidate(pc: RTCPeerConnection, candidate: RTCIceCandidateInit | null): Promise<void> {
    // Candidates of an offer we ignored are dropped: the polite peer rolls that offer back and gathers anew.
    if (this.ignoreOffer) return;
    await this.remoteCandidates.add(pc, candidate);
  }

  private applySendProfile(pc: RTCPeerConnection): Promise<void> {
    return applySendProfile(pc, this.profile, this.options.outgoing().videoIsScreen, this.peerUserId);
  }

  private async restartIce(): Promise<void> {
    // Several triggers (online + connection change, two failures) within one restart collapse into it.
    if (this.restarting) return;
    this.restarting = true;
    try {
      const servers = await this.options.iceServers.fresh();
      const pc = await this.ready;
      if (!pc || this.closed) return;
      this.applyIceServers(pc, servers);
      pc.restartIce();
    } finally {
      this.restarting = false;
    }
  }

  private applyIceServers(pc: RTCPeerConnection, servers: RTCIceServer[]): void {
    try {
      pc.setConfiguration({ ...pc.getConfiguration(), iceServers: servers });
    } catch (err) {
      this.fail('ice-failed', 'The renewed ICE server configuration is invalid.', err);
    }
  }

  private enqueue(operation: (pc: RTCPeerConnection) => Promise<void>): Promise<void> {
    this.operations = this.operations.then(async () => {
      const pc = await this.ready;
      if (!pc || this.closed) return;
      try {
        await operation(pc);
      } catch (err) {
        this.fail('connection-lost', 'Could not negotiate media with this participant.', err);
      }
    });
    return this.operations;
  }

  private fail(kind: 'ice-failed' | 'connection-lost', message: string, cause: unknown): void {
    if (this.closed) return;
    // The browser's own wording goes to the console for whoever debugs; the user gets the sentence above.
    console.warn(`[webrtc] peer ${this.peerUserId}: ${message}`, errorText(cause));
    this.setState('failed');
    this.options.observer.error(kind, this.peerUserId, message);
  }

  private setState(state: PeerState): void {
    if (state === this.currentState || this.closed) return;
    this.currentState = state;
    this.options.observer.peerState(this.peerUserId, state);
  }
}

/**
 * The first answer of a connection, as the DTLS server (see asDtlsServer: the offer may have reached every
 * device of ours). Later answers are left to the browser (undefined): Chromium keeps the role it has.
 */
async function firstAnswerAsDtlsServer(
  pc: RTCPeerConnection,
): Promise<RTCSessionDescriptionInit | undefined> {
  if (pc.currentLocalDescription) return undefined;
  const { sdp } = await pc.createAnswer();
  return sdp === undefined ? undefined : { type: 'answer', sdp: asDtlsServer(sdp) };
}
