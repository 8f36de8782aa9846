/**
 * Extra: raised hands and reactions in a call, from its joined participants only (on the device they are in
 * the call on). A hand change runs under the call's row lock, so the queue everyone hears is the committed
 * one in a single order; reactions are not stored, only passed on.
 */
import type { HandPayload, ReactionPayload } from '../../../src/shared/protocol.ts';
import { lockCall } from '../db/calls.repo.ts';
import type { Db, Queryable } from '../db/db.ts';
import { listParticipants } from '../db/participants.repo.ts';
import { listRaisedHands, setHand } from '../db/raisedHands.repo.ts';
import type { Participant } from '../domain/call.ts';
import { isOpen } from '../domain/callStateMachine.ts';
import { AppError } from '../errors.ts';
import { Outbox, type CallNotifier } from './notifier.ts';
import { checkHandChange } from './raisedHands.ts';

export interface CallFloorService {
  setHand(userId: string, deviceId: string, payload: HandPayload): Promise<void>;
  react(userId: string, deviceId: string, payload: ReactionPayload): Promise<void>;
}

/** 404 unknown call, 403 not in it on this device; the participants of the open call otherwise. */
async function requireJoinedDevice(q: Queryable, callId: string, userId: string, deviceId: string) {
  const call = await lockCall(q, callId);
  if (call === null) throw new AppError('not_found', 'call not found');
  const participants = await listParticipants(q, [callId]);
  const me = participants.find((p) => p.userId === userId);
  const inCall = me?.status === 'joined' && isOpen(call.status);
  if (!inCall || (me.deviceId !== null && me.deviceId !== deviceId)) {
    throw new AppError('forbidden', 'this device is not in the call', 'callId');
  }
  return { call, participants };
}

const joinedOf = (participants: readonly Participant[]) => participants.filter((p) => p.status === 'joined');

export function createCallFloorService(db: Db, notifier: CallNotifier): CallFloorService {
  return {
    async setHand(userId, deviceId, { callId, raised, userId: target = userId }) {
      const outbox = new Outbox();
      await db.transaction(async (tx) => {
        const { call, participants } = await requireJoinedDevice(tx, callId, userId, deviceId);
        const refusal = checkHandChange({
          actorId: userId,
          targetId: target,
          raised,
          hostId: call.initiatedBy,
          targetJoined: participants.some((p) => p.userId === target && p.status === 'joined'),
        });
        if (refusal !== null) throw new AppError(refusal.code, refusal.message, 'userId');
        await setHand(tx, callId, target, raised);
        const hands = await listRaisedHands(tx, callId);
        const everyone = joinedOf(participants).map((p) => p.userId);
        outbox.toUsers(everyone, 'call:hands', { callId, hands, changedBy: userId });
      });
      outbox.deliver(notifier);
    },

    async react(userId, deviceId, { callId, reaction }) {
      const { participants } = await db.transaction((tx) =>
        requireJoinedDevice(tx, callId, userId, deviceId),
      );
      for (const p of joinedOf(participants)) {
        if (p.userId !== userId)
          notifier.toDevice(p.userId, p.deviceId, 'call:reaction', { callId, userId, reaction });
      }
    },
  };
}
