import type { StatsEntry } from './connectionStats.ts';
import type { VideoProfileName } from './qualityLadder.ts';
import type { CallEngineErrorKind, PeerState, RemoteTileView } from './types.ts';

/**
 * The seam between the call engine and the way media travels. The engine owns what is transport-neutral
 * (local devices, screen share, ICE servers, quality sampling and the send ladder, errors); a transport owns
 * the RTCPeerConnections and how they are negotiated.
 *
 * MeshTransport: one connection per remote participant, negotiated peer-to-peer (1:1 and small calls).
 * SfuTransport: one publishing and one subscribing connection to the call's Janus room, whatever the number
 * of participants; `connect`/`disconnect` only say whom to expect, the subscription itself follows the
 * room's offers. The engine switches from the first to the second when the server says so (useTopology).
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
  /** What is on screen and who speaks: an SFU asks for the layers that fit (see layerSelection.ts). */
  setRemoteView(tiles: readonly RemoteTileView[], activeSpeakerId: string | null): void;
  /** The stats that describe the media exchanged with one participant (a whole RTCStatsReport on a mesh). */
  getStats(userId: string): Promise<ReadonlyMap<string, StatsEntry> | null>;
  /** Remote levels per participant and our own microphone level, 0..1. */
  readAudioLevels(): Promise<{ local: number | null; remote: Map<string, number> }>;
  close(): void;
}

/** `fromDeviceId`: the sender's device as the server stamped it (absent from servers without the extension). */
export type InboundSignal = { fromDeviceId?: string | undefined } & (
  | { kind: 'description'; description: { type: 'offer' | 'answer'; sdp: string } }
  | { kind: 'candidate'; candidate: RTCIceCandidateInit | null }
);

/** What this client sends, the same for every session of the call. */
export interface OutgoingMedia {
  /** The stream our senders are tied to (msid), so peers receive our audio and video as one MediaStream. */
  stream: MediaStream | null;
  audio: MediaStreamTrack | null;
  /** The camera, or the screen while sharing: what a mesh sends, one video per connection. */
  video: MediaStreamTrack | null;
  videoIsScreen: boolean;
  /** Each source on its own, for an SFU, which publishes the screen next to the camera. */
  camera: MediaStreamTrack | null;
  screen: MediaStreamTrack | null;
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
  camera: null,
  screen: null,
  receiveVideo: true,
  starting: { audio: false, video: false },
};

/**
 * What a connection sends before the call is answered (instant answer): nothing, on m-lines already negotiated
 * as sending what we will send, so that answering is a replaceTrack on each sender, with no new offer.
 */
export function withheld(media: OutgoingMedia, kinds: { audio: boolean; video: boolean }): OutgoingMedia {
  return {
    ...media,
    audio: null,
    video: null,
    camera: null,
    screen: null,
    videoIsScreen: false,
    starting: {
      audio: kinds.audio || media.audio !== null || media.starting.audio,
      video: kinds.video || media.video !== null || media.starting.video,
    },
  };
}

export interface TransportObserver {
  remoteStream(userId: string, stream: MediaStream): void;
  /** May repeat the state last reported: the engine passes on changes only. */
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

/**
 * The configuration of every connection of a call, mesh or SFU: all media on one transport (bundle) with RTCP
 * muxed, which Janus expects and which keeps ICE to one candidate pair per connection.
 */
export function connectionConfiguration(
  iceServers: RTCIceServer[],
  iceTransportPolicy: RTCIceTransportPolicy,
): RTCConfiguration {
  return { iceServers, iceTransportPolicy, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };
}
