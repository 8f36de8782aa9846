/**
 * A call and its participants as the services work with them: camelCase, dates as Date, and every column
 * that holds free text or JSON already parsed (the repositories map rows to these at their edge).
 */
import type {
  CallQualityStats,
  CallStatus,
  CallType,
  ConnectionQuality,
  EndReason,
  MediaState,
  ParticipantStatus,
  RecordingState,
} from '../../../src/shared/protocol/index.ts';

export interface Call {
  id: string;
  conversationId: string;
  type: CallType;
  status: CallStatus;
  initiatedBy: string;
  startedAt: Date | null;
  endedAt: Date | null;
  durationSeconds: number | null;
  endReason: EndReason | null;
  /** The call's Janus room as stored, `<janus url>#<roomId>` (see sfuRoomRef.ts); null while peer to peer. */
  sfuRoomId: string | null;
  qualityStats: CallQualityStats | null;
  createdAt: Date;
  recordingUrl: string | null;
  /** Null when the call was never recorded. */
  recordingState: RecordingState | null;
  recordingStartedBy: string | null;
  recordingStartedAt: Date | null;
  recordingMessage: string | null;
}

/** A call read under its row lock, with what the lifecycle needs of its conversation. */
export interface LockedCall extends Call {
  isGroup: boolean;
}

export interface Participant {
  callId: string;
  userId: string;
  status: ParticipantStatus;
  joinedAt: Date | null;
  leftAt: Date | null;
  mediaState: MediaState;
  /** The accumulated quality reports, as stored (services/quality.ts parses them). */
  mediaStats: unknown;
  connectionQuality: ConnectionQuality | null;
  /** The device the participant is in the call on; null when they joined naming none (all their devices). */
  deviceId: string | null;
  handRaisedAt: Date | null;
  /** Which stay in the call this is: the count of their joins (see migration 006). */
  stay: number;
  userName: string;
  userIdentifier: string;
}

export const isRecording = (call: Pick<Call, 'recordingState'>) => call.recordingState === 'recording';
