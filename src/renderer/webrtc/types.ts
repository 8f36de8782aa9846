import type { PeerQualitySample } from '../../shared/protocol.ts';

/** How the engine reaches the signaling server; implemented by the UI's socket.io client. */
export interface SignalingPort {
  sendOffer(p: { callId: string; targetUserId: string; offer: RTCSessionDescriptionInit }): void;
  sendAnswer(p: { callId: string; targetUserId: string; answer: RTCSessionDescriptionInit }): void;
  sendIceCandidate(p: { callId: string; targetUserId: string; candidate: RTCIceCandidateInit | null }): void;
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
