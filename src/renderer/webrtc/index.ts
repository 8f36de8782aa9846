/** The public surface of the WebRTC engine; everything else in this folder is internal. */
export { CallEngine } from './callEngine.ts';
export { CallEngineError } from './types.ts';
export { captureErrorKind, captureFailureOf } from './mediaErrors.ts';
export type {
  CallEngineErrorEvent,
  CallEngineErrorKind,
  CallEngineEvents,
  CallEngineOptions,
  IceServersInfo,
  MediaRoute,
  PeerState,
  RemoteTileView,
  SignalingPort,
} from './types.ts';
export type { PeerMediaSnapshot } from './callEngine.ts';
export type { ReceivedMediaSummary } from './connectionStats.ts';
