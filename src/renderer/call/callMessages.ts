/**
 * What the call flow tells the user about other people and the call itself (toasts), in one place, so that
 * the wording stays consistent and the flow reads as decisions. Failures of the camera, microphone, relay and
 * peer connections are worded in mediaErrors.ts.
 */
import type { CallType, EndReason, HandledElsewhereEvent } from '../../shared/protocol/index.ts';
import type { CurrentCall } from '../store/call.reducer.ts';
import { nameOf } from '../store/callMembers.ts';

const END_TEXT: Record<EndReason, (title: string) => string> = {
  'ended-by-user': (title) => `Call with ${title} ended`,
  rejected: (title) => `${title} declined the call`,
  missed: (title) => `No answer from ${title}`,
  cancelled: (title) => `${title} cancelled the call`,
  'connection-failed': (title) => `The call with ${title} failed: no connection could be established`,
  'server-shutdown': () => 'The server ended the call',
  'media-server-failed': (title) => `The call with ${title} ended: the media server failed`,
};

export const HANG_UP_FIRST = 'Hang up the current call first';
export const RECORDING_STOPPED = 'Recording stopped';

export function endedText(reason: EndReason, title: string): string {
  return END_TEXT[reason](title);
}

/** An ending the user should read as a failure rather than news. */
export function endedInFailure(reason: EndReason): boolean {
  return reason === 'connection-failed' || reason === 'media-server-failed';
}

export const joinedText = (name: string) => `${name} joined`;
export const leftText = (name: string) => `${name} left`;
export const declinedText = (name: string) => `${name} declined`;
export const notAnsweredText = (names: readonly string[]) => `${names.join(', ')} did not answer`;
export const missedCallText = (type: CallType, callerName: string) =>
  `Missed ${type} call from ${callerName}`;

export function handledElsewhereText(action: HandledElsewhereEvent['action']): string {
  return action === 'answered' ? 'Answered on another device' : 'Declined on another device';
}

export function recordingNotice(call: CurrentCall, userId: string | null, selfId: string): string {
  if (userId === selfId) return 'You are recording this call';
  return `${userId === null ? 'Someone' : nameOf(call, userId)} is recording this call`;
}

/** The call's title: the others' names, or `fallback` when nobody else is known. */
export function titleOf(otherNames: readonly string[], fallback = 'Call'): string {
  const names = otherNames.map((name) => name.slice(0, 200));
  return names.length > 0 ? names.slice(0, 20).join(', ') : fallback;
}
