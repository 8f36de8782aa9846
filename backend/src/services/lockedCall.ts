/**
 * How every call operation runs: in one transaction that first locks the call row, with its events queued
 * in an Outbox and delivered only after commit. Group calls also keep their conversation's banner current.
 */
import type { OngoingCallDto } from '../../../src/shared/protocol.ts';
import { lockCall } from '../db/calls.repo.ts';
import type { Db, Queryable } from '../db/db.ts';
import { conversationMemberIds, findOngoingCall } from '../db/ongoingCalls.repo.ts';
import type { LockedCall } from '../domain/call.ts';
import { AppError } from '../errors.ts';
import { Outbox, type CallNotifier } from './notifier.ts';

export type LockedCallWork<T> = (tx: Queryable, call: LockedCall, outbox: Outbox) => Promise<T>;

/** Runs one call operation under the call's row lock; 404 for an unknown call. */
export type OnLockedCall = <T>(callId: string, work: LockedCallWork<T>) => Promise<T>;

export function createLockedCallRunner(db: Db, notifier: CallNotifier): OnLockedCall {
  return async function onLockedCall(callId, work) {
    const outbox = new Outbox();
    const result = await db.transaction(async (tx) => {
      const call = await lockCall(tx, callId);
      if (call === null) throw new AppError('not_found', 'call not found');
      if (!call.isGroup) return work(tx, call, outbox);
      const before = await findOngoingCall(tx, callId);
      const done = await work(tx, call, outbox);
      await announceOngoingCall(tx, call, before, outbox);
      return done;
    });
    // Relay caches on every node drop this call before anyone hears of the change, so a client reacting to
    // an event (e.g. call:ended) never meets a stale relay permission on another node.
    notifier.callChanged(callId, outbox.leavers);
    outbox.deliver(notifier);
    return result;
  };
}

/**
 * Every member of a group conversation hears when its open call starts, gains or loses someone, or ends,
 * whether or not they are in it: that is what their banner and conversation row show.
 */
async function announceOngoingCall(
  tx: Queryable,
  call: LockedCall,
  before: OngoingCallDto | null,
  outbox: Outbox,
): Promise<void> {
  const after = await findOngoingCall(tx, call.id);
  if (JSON.stringify(after) === JSON.stringify(before)) return;
  const members = await conversationMemberIds(tx, call.conversationId);
  outbox.toUsers(members, 'conversation:call', { conversationId: call.conversationId, call: after });
}
