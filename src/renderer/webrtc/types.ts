import type {
  MediaTopology,
  PeerQualitySample,
  SfuSource,
  SfuViewPayload,
} from '../../shared/protocol/index.ts';

/** How the engine reaches the signaling server; implemented by the UI's socket.io client. */
/** Whom a peer-to-peer message is for: a participant, or one device of theirs (`targetDeviceId`, an extension). */
export interface PeerAddress {
  callId: string;
  targetUserId: string;
  targetDeviceId?: string;
}

export interface SignalingPort {
  sendOffer(p: PeerAddress & { offer: RTCSessionDescriptionInit }): void;
  sendAnswer(p: PeerAddress & { answer: RTCSessionDescriptionInit }): void;
  sendIceCandidate(p: PeerAddress & { candidate: RTCIceCandidateInit | null }): void;
  /**
   * Publishes (or republishes) our media to the call's SFU room and resolves with the room's answer.
   * Rejects with an Error carrying the server's `code` (e.g. 'conflict' for a room the call left).
   */
  sfuPublish(p: {
    callId: string;
    epoch: number;
    offer: RTCSessionDescriptionInit;
    sources: { mid: string; source: SfuSource }[];
  }): Promise<{ type: 'answer'; sdp: string }>;
  /** Our answer to the SFU's subscription offer (call:sfu-offer). */
  sfuAnswer(p: { callId: string; epoch: number; answer: RTCSessionDescriptionInit }): void;
  sfuIceCandidate(p: {
    callId: string;
    epoch: number;
    connection: 'publisher' | 'subscriber';
    candidate: RTCIceCandidateInit | null;
  }): void;
  /** The simulcast layer wanted per remote video stream. */
  sfuView(p: SfuViewPayload): void;
}

/**
 * One rendered remote tile as the UI lays it out, in CSS pixels (0 x 0 when not visible). With an SFU the
 * engine asks for each stream the layer its tile can show: nothing for hidden tiles, little for small ones.
 */
export interface RemoteTileView {
  userId: string;
  source: 'camera' | 'screen';
  visible: boolean;
  width: number;
  height: number;
}

/** How the call's media travels now; `epoch` names the SFU room (null on the mesh). */
export interface MediaRoute {
  topology: MediaTopology;
  epoch: number | null;
}

export interface IceServersInfo {
  iceServers: RTCIceServer[];
  /** When the TURN credentials stop working; null when there are none (STUN only). */
  expiresAt: Date | null;
}

export interface CallEngineOptions {
  callId: string;
  selfUserId: string;
  signaling: SignalingPort;
  /** GET /api/calls/turn-credentials; refetched before expiry and before every ICE restart. */
  fetchIceServers: () => Promise<IceServersInfo>;
  /** 'relay' forces every path through TURN (the relay-only test, privacy mode). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Latest sample per peer, about every 10 s: the payload of `call:quality-report`. */
  onQualityReport?: (samples: PeerQualitySample[]) => void;
}

export type CallEngineErrorKind =
  | 'media-denied'
  | 'media-unavailable'
  | 'ice-failed'
  | 'connection-lost'
  | 'turn-expired'
  | 'turn-auth-failed'
  | 'screen-share-failed';

export type PeerState = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

export interface CallEngineErrorEvent {
  kind: CallEngineErrorKind;
  userId?: string;
  message: string;
}

export interface CallEngineEvents {
  'local-stream': (stream: MediaStream) => void;
  'remote-stream': (userId: string, stream: MediaStream) => void;
  /** Changes only; CallEngine.peerStates() says where everyone is now. */
  'peer-state': (userId: string, state: PeerState) => void;
  /** Every QUALITY_SAMPLE_INTERVAL_MS per connected peer. */
  quality: (userId: string, sample: PeerQualitySample) => void;
  /** userId (self included) -> 0..1, about 4 times a second while peers are connected. */
  'audio-level': (levels: Record<string, number>) => void;
  /** Also fires false when the OS or browser ends the share. */
  'screen-share': (active: boolean) => void;
  error: (e: CallEngineErrorEvent) => void;
}

/** Thrown by the engine's media operations; the same error is also emitted as an 'error' event. */
export class CallEngineError extends Error {
  readonly kind: CallEngineErrorKind;

  constructor(kind: CallEngineErrorKind, message: string) {
    super(message);
    this.name = 'CallEngineError';
    this.kind = kind;
  }
}
