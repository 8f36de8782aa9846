import { isPolitePeer, MAX_CALL_PARTICIPANTS } from '../../shared/protocol/index.ts';
import type {
  IceServerSource,
  InboundSignal,
  MediaTransport,
  OutgoingMedia,
  TransportObserver,
} from './mediaTransport.ts';
import { NO_OUTGOING_MEDIA, withheld } from './mediaTransport.ts';
import { PeerSession } from './peerSession.ts';
import type { VideoProfileName } from './qualityLadder.ts';
import { sdpFingerprint } from '../../shared/sdp.ts';
import type { SignalingPort } from './types.ts';

const NOTHING = { audio: false, video: false };

/** Candidates held for a participant whose offer has not arrived yet; bounded like a session's own queue. */
const MAX_EARLY_CANDIDATES_PER_PEER = 200;
/** Ringing devices of one participant we pre-connect to besides the first one that answered our offer. */
const MAX_EXTRA_DEVICES_PER_PEER = 4;
/**
 * How long the offer of a ring that the callee answered before it left waits for an offer of theirs (see
 * PeerSession.deferFirstOffer). A client that offers once it has answered does so on its answer's response,
 * well within this; one that waits for ours (the spec's callee) connects this much later, only when it
 * answered within moments of the ring, as bots and tests do. A callee that says it never offers first
 * (`awaitsOffer` in call:participant-joined, as the project's client does) is not waited for.
 */
const PEER_OFFER_WAIT_MS = 2_000;

export interface MeshTransportOptions {
  callId: string;
  selfUserId: string;
  signaling: SignalingPort;
  iceServers: IceServerSource;
  iceTransportPolicy: RTCIceTransportPolicy;
  observer: TransportObserver;
}

interface HeldCandidate {
  device: string | null;
  candidate: RTCIceCandidateInit | null;
}

/**
 * Full mesh: one PeerSession (RTCPeerConnection) per remote participant, the one that speaks for them.
 *
 * Roles as the spec has them: the caller offers to each callee with the ring (`connect(…, { ringing })`),
 * and every device of theirs that rings answers. The first answer binds the session to its device; each
 * further ringing device that answers gets an offer of its own (an extra session, silent to the observer).
 * While a peer rings nothing is sent to them (see `withheld`); once they answer (`peerAnswered`) the session
 * of the device they answered on speaks for them and sends, and the others close.
 */
export class MeshTransport implements MediaTransport {
  private readonly options: MeshTransportOptions;
  private readonly sessions = new Map<string, PeerSession>();
  /** Pre-connections to more ringing devices of a participant, by device. */
  private readonly extras = new Map<string, Map<string, PeerSession>>();
  /** Participants still ringing: connections to them send nothing yet. */
  private readonly ringing = new Set<string>();
  /** Offers we made to a participant while they rang; a peer that offers instead is answered (see handleSignal). */
  private readonly preconnections = new WeakSet<PeerSession>();
  /** Candidates that raced ahead of their description, for a session that cannot take them yet. */
  private readonly earlyCandidates = new Map<string, HeldCandidate[]>();
  private outgoing: OutgoingMedia = NO_OUTGOING_MEDIA;

  constructor(options: MeshTransportOptions) {
    this.options = options;
  }

  /** `ringing`: the participant has not answered yet; we offer at once and send nothing until they do. */
  connect(userId: string, options: { ringing?: boolean } = {}): void {
    if (options.ringing) this.ringing.add(userId);
    const session = this.sessions.get(userId);
    if (session && session.state !== 'failed') return;
    const opened = this.openSession(userId, 'offerer', null, options.ringing === true);
    if (options.ringing) this.preconnections.add(opened);
  }

  /**
   * The participant answered, on `device` when the server named it: the connection to that device speaks
   * for them from now on and starts sending. Without one (they never answered our offer from there) it is
   * offered now; a session still waiting for the answer to our offer keeps waiting. A ring offer that has
   * not left yet waits for one of theirs (PEER_OFFER_WAIT_MS), unless they said they never offer first
   * (`awaitsOffer`, the project client's extension): then it leaves at once.
   */
  peerAnswered(userId: string, device?: string, options: { awaitsOffer?: boolean } = {}): void {
    this.ringing.delete(userId);
    const extras = this.extras.get(userId);
    this.extras.delete(userId);
    const chosen = device === undefined ? undefined : extras?.get(device);
    for (const extra of extras?.values() ?? []) if (extra !== chosen) extra.close();
    const session = this.sessions.get(userId);
    if (chosen) {
      session?.close();
      this.sessions.set(userId, chosen);
      this.announce(userId, chosen);
    } else if (
      !session ||
      session.state === 'failed' ||
      (device !== undefined && session.device !== null && session.device !== device)
    ) {
      this.openSession(userId, 'offerer', device ?? null);
    } else if (
      !options.awaitsOffer &&
      session.remoteFingerprint === null &&
      this.preconnections.has(session)
    ) {
      session.deferFirstOffer(PEER_OFFER_WAIT_MS);
    }
    void this.sessions.get(userId)?.syncOutgoing();
  }

  handleSignal(fromUserId: string, signal: InboundSignal): Promise<void> {
    const device = signal.fromDeviceId ?? null;
    const session =
      (device === null ? undefined : this.extras.get(fromUserId)?.get(device)) ??
      this.sessions.get(fromUserId);
    // An unbound session (our offer went to every ringing device) takes only the answering device's candidates.
    const takes = (s: PeerSession) => device === null || s.device === device;
    if (signal.kind === 'candidate') {
      if (session && takes(session)) return session.handleCandidate(signal.candidate);
      this.holdEarlyCandidate(fromUserId, device, signal.candidate);
      return Promise.resolve();
    }
    const { description } = signal;
    if (description.type === 'answer') {
      // An answer for a session we no longer have (the participant was removed) has nothing to apply to.
      if (!session) return Promise.resolve();
      if (session.device === null && device !== null) {
        session.device = device;
        const applied = session.handleDescription(description);
        this.takeEarlyCandidates(fromUserId, device).forEach((c) => void session.handleCandidate(c));
        return applied;
      }
      if (takes(session)) return session.handleDescription(description);
      // Another of their ringing devices answered our offer too: it gets an offer of its own.
      if (this.ringing.has(fromUserId) && device !== null) this.openExtra(fromUserId, device);
      return Promise.resolve();
    }
    // An extra device renegotiating (an ICE restart) stays on its own session.
    if (session && session !== this.sessions.get(fromUserId)) return session.handleDescription(description);
    const fromNewConnection =
      session !== undefined &&
      ((session.remoteFingerprint !== null &&
        sdpFingerprint(description.sdp) !== session.remoteFingerprint) ||
        (device !== null && session.device !== null && session.device !== device) ||
        // A peer that offers instead of answering the offer we made while they rang (a client that offers
        // once the call is active): theirs is answered, ours dropped, whoever is the polite one.
        (session.remoteFingerprint === null && this.preconnections.has(session)));
    // A participant who reloaded offers from a brand-new connection, possibly before we heard that they
    // reconnected; that offer can only be answered by a fresh session.
    const target = !session || fromNewConnection ? this.openSession(fromUserId, 'answerer', device) : session;
    if (target.device === null && device !== null) target.device = device;
    return target.handleDescription(description);
  }

  /** We picked up: every caller whose ring offer can carry it hears so at once (see answerChannel.ts). */
  sayAnswered(): void {
    for (const session of this.sessions.values()) session.sayAnswered();
  }

  reset(userId: string): void {
    this.closeExtras(userId);
    this.openSession(userId, 'offerer', null);
  }

  disconnect(userId: string): void {
    this.earlyCandidates.delete(userId);
    this.ringing.delete(userId);
    this.closeExtras(userId);
    const session = this.sessions.get(userId);
    if (!session) return;
    this.sessions.delete(userId);
    session.close();
    this.options.observer.peerState(userId, 'closed');
  }

  peerIds(): string[] {
    return [...this.sessions.keys()];
  }

  async setOutgoing(media: OutgoingMedia): Promise<void> {
    this.outgoing = media;
    await Promise.all(this.allSessions().map((s) => s.syncOutgoing()));
  }

  setSendProfile(userId: string, profile: VideoProfileName): void {
    this.sessions.get(userId)?.setSendProfile(profile);
  }

  updateIceServers(servers: RTCIceServer[]): void {
    for (const session of this.allSessions()) session.setIceServers(servers);
  }

  restartIce(): void {
    for (const session of this.allSessions()) session.onNetworkChange();
  }

  /** Each connection carries one video whose size the peer's ladder decides: nothing to choose here. */
  setRemoteView(): void {}

  async getStats(userId: string): Promise<RTCStatsReport | null> {
    return (await this.sessions.get(userId)?.getStats()) ?? null;
  }

  async readAudioLevels(): Promise<{ local: number | null; remote: Map<string, number> }> {
    const remote = new Map<string, number>();
    let local: number | null = null;
    for (const [userId, session] of this.sessions) {
      const level = await session.remoteAudioLevel();
      if (level !== null) remote.set(userId, level);
      // Every session sends the same microphone; the first one that can measure it speaks for all.
      local ??= await session.localAudioLevel();
    }
    return { local, remote };
  }

  close(): void {
    for (const userId of [...this.sessions.keys()]) this.disconnect(userId);
    for (const userId of [...this.extras.keys()]) this.closeExtras(userId);
    this.earlyCandidates.clear();
  }

  private allSessions(): PeerSession[] {
    return [
      ...this.sessions.values(),
      ...[...this.extras.values()].flatMap((byDevice) => [...byDevice.values()]),
    ];
  }

  /** `ringOffer`: an offer to someone still ringing (see createSession). */
  private openSession(
    userId: string,
    role: 'offerer' | 'answerer',
    device: string | null,
    ringOffer = false,
  ): PeerSession {
    this.sessions.get(userId)?.close();
    const session = this.createSession(userId, role, device, { ringOffer });
    this.sessions.set(userId, session);
    for (const candidate of this.takeEarlyCandidates(userId, device)) void session.handleCandidate(candidate);
    return session;
  }

  private openExtra(userId: string, device: string): void {
    let byDevice = this.extras.get(userId);
    if (byDevice?.has(device)) return;
    if (!byDevice) {
      byDevice = new Map();
      this.extras.set(userId, byDevice);
    }
    if (byDevice.size >= MAX_EXTRA_DEVICES_PER_PEER) return;
    // What that device trickled belongs to its answer to our first offer, which we did not take.
    this.takeEarlyCandidates(userId, device);
    const extra = this.createSession(userId, 'offerer', device, { extra: true, ringOffer: true });
    this.preconnections.add(extra);
    byDevice.set(device, extra);
  }

  private closeExtras(userId: string): void {
    for (const extra of this.extras.get(userId)?.values() ?? []) extra.close();
    this.extras.delete(userId);
  }

  /**
   * An extra session is silent until it is chosen (see peerAnswered); a main one until it is replaced. A ring
   * offer's session hears over its answer channel (answerChannel.ts) when the device it reached picks up,
   * which is the answer from that device, before the server relays it.
   */
  private createSession(
    userId: string,
    role: 'offerer' | 'answerer',
    device: string | null,
    { extra = false, ringOffer = false } = {},
  ): PeerSession {
    // Null while the constructor runs, which already reports 'connecting'.
    let self: PeerSession | null = null;
    const speaks = () => (self === null ? !extra : this.sessions.get(userId) === self);
    const { observer } = this.options;
    self = new PeerSession({
      callId: this.options.callId,
      peerUserId: userId,
      polite: isPolitePeer(this.options.selfUserId, userId),
      role,
      device,
      signaling: this.options.signaling,
      iceServers: this.options.iceServers,
      iceTransportPolicy: this.options.iceTransportPolicy,
      outgoing: () => (this.ringing.has(userId) ? withheld(this.outgoing, NOTHING) : this.outgoing),
      ...(ringOffer
        ? {
            onPeerAnswered: () => {
              if (self && this.ringing.has(userId)) this.peerAnswered(userId, self.device ?? undefined);
            },
          }
        : {}),
      observer: {
        remoteStream: (id, stream) => {
          if (speaks()) observer.remoteStream(id, stream);
        },
        peerState: (id, state) => {
          if (speaks()) observer.peerState(id, state);
        },
        error: (kind, id, message) => {
          if (speaks()) observer.error(kind, id, message);
        },
        turnAuthFailed: (id, refused) => observer.turnAuthFailed(id, refused),
      },
    });
    return self;
  }

  private announce(userId: string, session: PeerSession): void {
    if (session.state) this.options.observer.peerState(userId, session.state);
    const media = session.remoteMedia;
    if (media) this.options.observer.remoteStream(userId, media);
  }

  private holdEarlyCandidate(
    userId: string,
    device: string | null,
    candidate: RTCIceCandidateInit | null,
  ): void {
    let held = this.earlyCandidates.get(userId);
    if (!held) {
      // A mesh never has more peers than a call has participants; beyond that it is noise, not a peer.
      if (this.earlyCandidates.size >= MAX_CALL_PARTICIPANTS - 1) return;
      held = [];
      this.earlyCandidates.set(userId, held);
    }
    if (held.length < MAX_EARLY_CANDIDATES_PER_PEER) held.push({ device, candidate });
  }

  /** The held candidates of one device of the participant (all of them for `null`), removed from the hold. */
  private takeEarlyCandidates(userId: string, device: string | null): (RTCIceCandidateInit | null)[] {
    const held = this.earlyCandidates.get(userId) ?? [];
    const taken = held.filter((h) => device === null || h.device === null || h.device === device);
    const kept = held.filter((h) => !taken.includes(h));
    if (kept.length > 0) this.earlyCandidates.set(userId, kept);
    else this.earlyCandidates.delete(userId);
    return taken.map((h) => h.candidate);
  }
}
