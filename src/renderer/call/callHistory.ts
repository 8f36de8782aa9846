import type { HistoryEntry } from '../../shared/desktopApi.ts';
import type { EndReason } from '../../shared/protocol/index.ts';
import type { CurrentCall, IncomingCall } from '../store/call.reducer.ts';
import { othersOf } from '../store/callMembers.ts';

/** How a call ended for this device, as the local history records it. */
export type CallOutcome =
  | { kind: 'left'; call: CurrentCall; reason?: EndReason | undefined }
  | { kind: 'declined' | 'missed'; incoming: IncomingCall };

/** The history schema's bounds (HistoryEntry): the first 20 people, names cut at 200 characters. */
const MAX_PEOPLE = 20;
const MAX_NAME_LENGTH = 200;

/** The local history entry of a call's outcome at `now` (ms since the epoch). Pure. */
export function historyEntryOf(outcome: CallOutcome, now: number): HistoryEntry {
  const endedAt = new Date(now).toISOString();
  if (outcome.kind !== 'left') {
    const { incoming } = outcome;
    return {
      callId: incoming.callId,
      direction: 'incoming',
      type: incoming.type,
      participants: bounded(othersOf(incoming)),
      // It rang and ended at the same moment as far as this device knows: it never got further.
      startedAt: endedAt,
      endedAt,
      durationSeconds: null,
      status: outcome.kind === 'declined' ? 'rejected' : 'missed',
      // A missed call waits to be seen; one the user declined has been.
      unseen: outcome.kind === 'missed',
    };
  }
  const { call, reason } = outcome;
  const started = call.startedAt === null ? null : Date.parse(call.startedAt);
  return {
    callId: call.callId,
    direction: call.direction,
    type: call.type,
    participants: bounded(othersOf(call)),
    startedAt: new Date(started ?? now).toISOString(),
    endedAt,
    durationSeconds: started === null ? null : Math.max(0, Math.round((now - started) / 1000)),
    status: leftStatus(reason, started !== null),
    unseen: false,
  };
}

function leftStatus(reason: EndReason | undefined, started: boolean): HistoryEntry['status'] {
  if (reason === 'connection-failed' || reason === 'media-server-failed') return 'failed';
  if (reason === 'rejected') return 'rejected';
  return started ? 'answered' : 'missed';
}

function bounded(people: readonly { userId: string; name: string }[]): HistoryEntry['participants'] {
  return people
    .slice(0, MAX_PEOPLE)
    .map((p) => ({ userId: p.userId, name: p.name.slice(0, MAX_NAME_LENGTH) }));
}
