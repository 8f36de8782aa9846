import { isPolitePeer, MAX_CALL_PARTICIPANTS } from '../../shared/protocol.ts';
import type {
  IceServerSource,
  InboundSignal,
  MediaTransport,
  OutgoingMedia,
  TransportObserver,
} from './mediaTransport.ts';
import { NO_OUTGOING_MEDIA } from './mediaTransport.ts';
import { PeerSession } from './peerSession.ts';
import type { VideoProfileName } from './qualityLadder.ts';
import { sdpFingerprint } from '../../shared/sdp.ts';
import type { SignalingPort } from './types.ts';

/** Candidates held for a participant whose offer has not arrived yet; bounded like a session's own queue. */
const MAX_EARLY_CANDIDATES_PER_PEER = 200;

export interface MeshTransportOptions {
  callId: string;
  selfUserId: string;
  signaling: SignalingPort;
  iceServers: IceServerSource;
  iceTransportPolicy: RTCIceTransportPolicy;
  observer: TransportObserver;
}

/** Full mesh: one PeerSession (RTCPeerConnection) per remote participant. */
export class MeshTransport implements MediaTransport {
  private readonly options: MeshTransportOptions;
  private readonly sessions = new Map<string, PeerSession>();
  /** Candidates that raced ahead of their offer, for participants we have no session with yet. */
  private readonly earlyCandidates = new Map<string, (RTCIceCandidateInit | null)[]>();
  private outgoing: OutgoingMedia = NO_OUTGOING_MEDIA;

  constructor(options: MeshTransportOptions) {
    this.options = options;
  }

  connect(userId: string): void {
    const session = this.sessions.get(userId);
    if (session && session.state !== 'failed') return;
    this.openSession(userId, 'offerer');
  }

  handleSignal(fromUserId: string, signal: InboundSignal): Promise<void> {
    let session = this.sessions.get(fromUserId);
    if (signal.kind === 'candidate') {
      if (session) return session.handleCandidate(signal.candidate);
      this.holdEarlyCandidate(fromUserId, signal.candidate);
      return Promise.resolve();
    }
    const { description } = signal;
    if (description.type === 'answer') {
      // An answer for a session we no longer have (the participant was removed) has nothing to apply to.
      return session ? session.handleDescription(description) : Promise.resolve();
    }
    const fromNewConnection =
      session !== undefined &&
      session.remoteFingerprint !== null &&
      sdpFingerprint(description.sdp) !== session.remoteFingerprint;
    // A participant who reloaded offers from a brand-new connection, possibly before we heard that they
    // reconnected; that offer can only be answered by a fresh session.
    if (!session || fromNewConnection) session = this.openSession(fromUserId, 'answerer');
    return session.handleDescription(description);
  }

  reset(userId: string): void {
    this.openSession(userId, 'offerer');
  }

  disconnect(userId: string): void {
    this.earlyCandidates.delete(userId);
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
    await Promise.all([...this.sessions.values()].map((s) => s.syncOutgoing()));
  }

  setSendProfile(userId: string, profile: VideoProfileName): void {
    this.sessions.get(userId)?.setSendProfile(profile);
  }

  updateIceServers(servers: RTCIceServer[]): void {
    for (const session of this.sessions.values()) session.setIceServers(servers);
  }

  restartIce(): void {
    for (const session of this.sessions.values()) session.onNetworkChange();
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
    this.earlyCandidates.clear();
  }

  private openSession(userId: string, role: 'offerer' | 'answerer'): PeerSession {
    this.sessions.get(userId)?.close();
    const session = new PeerSession({
      callId: this.options.callId,
      peerUserId: userId,
      polite: isPolitePeer(this.options.selfUserId, userId),
      role,
      signaling: this.options.signaling,
      iceServers: this.options.iceServers,
      iceTransportPolicy: this.options.iceTransportPolicy,
      outgoing: () => this.outgoing,
      observer: this.options.observer,
    });
    this.sessions.set(userId, session);
    for (const candidate of this.earlyCandidates.get(userId) ?? []) void session.handleCandidate(candidate);
    this.earlyCandidates.delete(userId);
    return session;
  }

  private holdEarlyCandidate(userId: string, candidate: RTCIceCandidateInit | null): void {
    let held = this.earlyCandidates.get(userId);
    if (!held) {
      // A mesh never has more peers than a call has participants; beyond that it is noise, not a peer.
      if (this.earlyCandidates.size >= MAX_CALL_PARTICIPANTS - 1) return;
      held = [];
      this.earlyCandidates.set(userId, held);
    }
    if (held.length < MAX_EARLY_CANDIDATES_PER_PEER) held.push(candidate);
  }
}
