/**
 * The life of a call's recording (calls.recording_state; 'none' = never recorded):
 *
 *   none/stopped --start--> recording --stop / interrupt--> stopped --start--> recording ...
 *   recording/stopped --(call ended) claim--> processing --processed--> ready --expire--> expired
 *                                                        --processFailed--> failed --expire--> expired
 *
 * 'interrupt' is the server stopping it on its own (disk full, the Janus instance died): the call goes on,
 * the recording keeps what it has. Who may start and stop is `mayControlRecording`.
 */
import type { RecordingState } from '../../../src/shared/protocol.ts';

type From = RecordingState | 'none';

export const RECORDING_TRANSITIONS = {
  start: { from: ['none', 'stopped'], to: 'recording' },
  stop: { from: ['recording'], to: 'stopped' },
  interrupt: { from: ['recording'], to: 'stopped' },
  processed: { from: ['processing'], to: 'ready' },
  processFailed: { from: ['processing'], to: 'failed' },
  expire: { from: ['ready', 'failed'], to: 'expired' },
} as const satisfies Record<string, { from: readonly From[]; to: RecordingState }>;
export type RecordingTransition = keyof typeof RECORDING_TRANSITIONS;

export function canApply(transition: RecordingTransition, state: string | null): boolean {
  return (RECORDING_TRANSITIONS[transition].from as readonly string[]).includes(state ?? 'none');
}

interface Participant {
  userId: string;
  status: string;
}

/**
 * The recording policy: the call's initiator (its host) starts and stops it, while they are in the call.
 * Everyone else is told, and may leave; nobody else can turn it on.
 */
export function mayControlRecording(call: { initiatedBy: string }, me: Participant | undefined): boolean {
  return me !== undefined && me.status === 'joined' && me.userId === call.initiatedBy;
}

/** Stopping: the initiator, or, once the initiator has left the call, anyone still in it. */
export function mayStopRecording(
  call: { initiatedBy: string },
  me: Participant | undefined,
  participants: readonly Participant[],
): boolean {
  if (mayControlRecording(call, me)) return true;
  const hostPresent = participants.some((p) => p.userId === call.initiatedBy && p.status === 'joined');
  return me?.status === 'joined' && !hostPresent;
}

export const RECORDING_MESSAGES = {
  diskFull: 'Recording stopped: the server is running out of disk space. The call goes on.',
  mediaServerFailed: 'Recording stopped: the media server failed. The call goes on.',
  nothingRecorded: 'Nothing was recorded (no audio or video reached the media server).',
  processingFailed: 'The recording could not be processed.',
} as const;
