import type { VideoProfileName } from './qualityLadder.ts';
import type { CallEngineErrorKind, PeerState } from './types.ts';

/**
 * The seam between the call engine and the way media travels. The engine owns what is transport-neutral
 * (local devices, screen share, ICE servers, quality sampling and the send ladder, errors); a transport owns
 * the RTCPeerConnections and how they are negotiated.
 *
 * MeshTransport (one connection per remote participant, negotiated peer-to-peer) is the only transport
 * today. An SFU transport (Janus VideoRoom) would implement the same interface with one publishing and one
 * subscribing connection, translating `connect`/`disconnect` into subscription changes and `handleSignal`
 * into the JSEP the backend relays from Janus; the engine and the UI above it would not change.
 */
export interface MediaTransport {
  /** Start (or, after a failure, restart) a media session toward a participant. Idempotent. */
  connect(userId: string): void;
  /** One signaling message from a participant; resolves once it has been applied (never rejects). */
  handleSignal(fromUserId: string, signal: InboundSignal): Promise<void>;
  /** Drop the session and negotiate a fresh one (the participant reloaded or restarted). */
  reset(userId: string): void;
  /** The participant left: close its session and report 'closed'. */
  disconnect(userId: string): void;
  peerIds(): string[];
  /** What we send changed: replace tracks, renegotiating only where a new m-line is needed. */
  setOutgoing(media: OutgoingMedia): Promise<void>;
  /** The rung of the video ladder to send toward one participant. */
  setSendProfile(userId: string, profile: VideoProfileName): void;
  /** New ICE servers (renewed TURN credentials) for every open connection. */
  updateIceServers(servers: RTCIceServer[]): void;
  /** The network changed: restart ICE everywhere. */
  restartIce(): void;
  getStats(userId: string): Promise<RTCStatsReport | null>;
  /** Remote levels per participant and our own microphone level, 0..1. */
  readAudioLevels(): Promise<{ local: number | null; remote: Map<string, number> }>;
  close(): void;
}

export type InboundSignal =
  | { kind: 'description'; description: { type: 'offer' | 'answer'; sdp: string } }
  | { kind: 'candidate'; candidate: RTCIceCandidateInit | null };

/** What this client sends, the same for every session of the call. */
export interface OutgoingMedia {
  /** The stream our senders are tied to (msid), so peers receive our audio and video as one MediaStream. */
  stream: MediaStream | null;
  audio: MediaStreamTrack | null;
  /** The camera, or the screen while sharing. */
  video: MediaStreamTrack | null;
  videoIsScreen: boolean;
  /** Ask for the peers' video even while we send none (a video call with our camera off). */
  receiveVideo: boolean;
  /**
   * Kinds whose capture is starting (the track is not there yet). They are negotiated as sending already, so a
   * connection made while the camera starts needs no second offer/answer round when its track arrives.
   */
  starting: { audio: boolean; video: boolean };
}

export const NO_OUTGOING_MEDIA: OutgoingMedia = {
  stream: null,
  audio: null,
  video: null,
  videoIsScreen: false,
  receiveVideo: true,
  starting: { audio: false, video: false },
};

export interface TransportObserver {
  remoteStream(userId: string, stream: MediaStream): void;
  peerState(userId: string, state: PeerState): void;
  error(kind: CallEngineErrorKind, userId: string, message: string): void;
  /** A TURN server refused the credentials of `refusedServers` (the configuration in use at the time). */
  turnAuthFailed(userId: string, refusedServers: RTCIceServer[]): void;
}

/** Where a transport gets ICE servers: the current list for a new connection, a fresh one for a restart. */
export interface IceServerSource {
  get(): Promise<RTCIceServer[]>;
  fresh(): Promise<RTCIceServer[]>;
}
