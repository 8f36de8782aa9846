/**
 * The recording of the current call as the in-call screen follows it: from the REST answers (entering,
 * syncing) and the call:recording events (the reducer's 'recording-changed').
 */
import type { CallRecordingDto, CallRecordingEvent } from '../../shared/protocol/index.ts';

export interface CallRecordingStatus {
  state: CallRecordingEvent['state'];
  byUserId: string | null;
  message: string | null;
}

/** A call's recording from a REST answer, in the shape the in-call screen follows. */
export function recordingStatusOf(dto: CallRecordingDto | null | undefined): CallRecordingStatus | null {
  if (dto === null || dto === undefined) return null;
  return {
    state: dto.state === 'recording' ? 'recording' : dto.state === 'failed' ? 'failed' : 'stopped',
    byUserId: dto.startedBy,
    message: dto.message,
  };
}

/** After a sync: what the snapshot says, or what was known when it does not say (an initiate response). */
export function syncedRecording(
  known: CallRecordingStatus | null,
  synced: CallRecordingDto | null | undefined,
): CallRecordingStatus | null {
  return synced === undefined ? known : recordingStatusOf(synced);
}
