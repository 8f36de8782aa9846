/**
 * The call and participant state machines as data. Every status change in the database goes through a
 * conditional `UPDATE ... WHERE status = ANY(from)`, with `from` taken from these tables, so concurrent
 * requests (two devices answering, a hang-up racing the ring timeout, two nodes sweeping) cannot move a
 * call along a path that is not listed here.
 */
import type { CallStatus, EndReason, ParticipantStatus } from '../../../src/shared/protocol.ts';

interface Transition<S extends string> {
  readonly from: readonly S[];
  readonly to: S;
}

const RINGING_STAGE: readonly CallStatus[] = ['initiated', 'ringing'];

export const CALL_TRANSITIONS = {
  /** Every invitee has been notified. */
  ring: { from: ['initiated'], to: 'ringing' },
  /** The first answer; answering an active call changes nothing. */
  answer: { from: RINGING_STAGE, to: 'active' },
  /** The callee of a 1:1 call declined, or every invitee of a group call did. */
  reject: { from: RINGING_STAGE, to: 'rejected' },
  /** The caller hung up before anyone answered: the invitees see a missed call. */
  cancel: { from: RINGING_STAGE, to: 'missed' },
  /** Nobody answered before the ring timeout. */
  timeout: { from: RINGING_STAGE, to: 'missed' },
  /** A 1:1 participant hung up, or the last participant of a group call left. */
  end: { from: ['active'], to: 'ended' },
  /** Every joined participant dropped and none came back within the reconnect grace. */
  fail: { from: ['active'], to: 'failed' },
  /** Extra: the call's Janus instance died and no other instance could take the call over. */
  mediaServerFail: { from: ['active'], to: 'failed' },
} as const satisfies Record<string, Transition<CallStatus>>;
export type CallTransition = keyof typeof CALL_TRANSITIONS;

/** A transition that finishes the call, and the end_reason it records. */
export const END_REASON_OF = {
  reject: 'rejected',
  cancel: 'cancelled',
  timeout: 'missed',
  end: 'ended-by-user',
  fail: 'connection-failed',
  mediaServerFail: 'media-server-failed',
} as const satisfies Record<string, EndReason>;
export type FinishingTransition = keyof typeof END_REASON_OF;

export const PARTICIPANT_TRANSITIONS = {
  ring: { from: ['invited'], to: 'ringing' },
  /**
   * Joining is allowed from every status while the call is open: answering again after a reload, a group
   * invitee who declined or missed changing their mind, a participant who left coming back. Whether the
   * call itself still accepts joins is the call table's business.
   */
  join: { from: ['invited', 'ringing', 'joined', 'left', 'rejected', 'missed'], to: 'joined' },
  reject: { from: ['invited', 'ringing'], to: 'rejected' },
  miss: { from: ['invited', 'ringing'], to: 'missed' },
  leave: { from: ['joined'], to: 'left' },
} as const satisfies Record<string, Transition<ParticipantStatus>>;
export type ParticipantTransition = keyof typeof PARTICIPANT_TRANSITIONS;

export function isOpen(status: CallStatus): boolean {
  return status === 'initiated' || status === 'ringing' || status === 'active';
}

/**
 * What happens to the call when a joined participant leaves (hangs up, or drops for longer than the
 * reconnect grace): null when the call goes on for the others.
 */
export function transitionOnLeave(
  call: { status: CallStatus; isGroup: boolean },
  joinedOthers: number,
  cause: 'hang-up' | 'dropped',
): FinishingTransition | null {
  if (call.status === 'initiated' || call.status === 'ringing') {
    // Before any answer only the caller is joined: their leaving cancels the ringing for everyone.
    return joinedOthers === 0 ? 'cancel' : null;
  }
  if (call.status !== 'active') return null;
  if (call.isGroup && joinedOthers > 0) return null;
  return cause === 'hang-up' ? 'end' : 'fail';
}

/** After an invitee declined: the call is rejected only once no invitee can still answer. */
export function transitionOnReject(
  call: { status: CallStatus; isGroup: boolean },
  invitees: readonly { status: ParticipantStatus }[],
): FinishingTransition | null {
  if (call.status !== 'initiated' && call.status !== 'ringing') return null;
  if (!call.isGroup) return 'reject';
  return invitees.every((p) => p.status === 'rejected') ? 'reject' : null;
}
