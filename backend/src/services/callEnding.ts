/**
 * How participants leave or decline a call, and how a call finishes when that (or a timeout, or a media
 * server failure) ends it. Every function runs under the call's lock (lockedCall.ts).
 */
import type { RejectCallResponse } from '../../../src/shared/protocol/index.ts';
import { finishCall } from '../db/calls.repo.ts';
import type { Queryable } from '../db/db.ts';
import { listParticipants, moveParticipants } from '../db/participants.repo.ts';
import type { Call, LockedCall, Participant } from '../domain/call.ts';
import {
  END_REASON_OF,
  isOpen,
  transitionOnLeave,
  transitionOnReject,
  type FinishingTransition,
} from '../domain/callStateMachine.ts';
import { parseRoomRef } from '../domain/sfuRoomRef.ts';
import { AppError } from '../errors.ts';
import type { CallRooms } from './callRooms.ts';
import type { Outbox } from './notifier.ts';
import { summariseCallQuality } from './quality.ts';

export const userIdsOf = (participants: readonly Participant[]) => participants.map((p) => p.userId);
export const withStatus = (participants: readonly Participant[], status: Participant['status']) =>
  participants.filter((p) => p.status === status);

export interface CallEnding {
  /**
   * Writes the final status, end reason, duration and quality summary; invitees still ringing become
   * 'missed' and joined participants 'left'. Null when another request or node finished the call first.
   */
  finish(
    tx: Queryable,
    call: LockedCall,
    transition: FinishingTransition,
    endedBy: string | null,
    outbox: Outbox,
  ): Promise<Call | null>;
  /** A joined participant is gone (hung up or dropped for good): notify, and finish the call if it must. */
  afterLeave(
    tx: Queryable,
    call: LockedCall,
    leaverId: string,
    cause: 'hang-up' | 'dropped',
    outbox: Outbox,
  ): Promise<Call | null>;
  /** An invitee declines (from the device `deviceId`); the call is rejected once no invitee can answer. */
  reject(
    tx: Queryable,
    call: LockedCall,
    me: Participant,
    deviceId: string | null,
    outbox: Outbox,
  ): Promise<RejectCallResponse>;
}

export function createCallEnding(rooms: Pick<CallRooms, 'destroyQuietly'>): CallEnding {
  const finish: CallEnding['finish'] = async (tx, call, transition, endedBy, outbox) => {
    const before = await listParticipants(tx, [call.id]);
    const quality = summariseCallQuality(before.map((p) => ({ userId: p.userId, mediaStats: p.mediaStats })));
    const finished = await finishCall(tx, call.id, transition, { ...quality });
    if (finished === null) return null;
    const room = parseRoomRef(call.sfuRoomId);
    if (room !== null) outbox.afterCommit(() => rooms.destroyQuietly(room));
    const missed = await moveParticipants(tx, call.id, null, 'miss');
    await moveParticipants(tx, call.id, null, 'leave');
    const everyone = userIdsOf(before);
    if (missed.length > 0) {
      outbox.toUsers(everyone, 'call:participants-missed', { callId: call.id, userIds: missed });
    }
    outbox.toUsers(everyone, 'call:ended', { callId: call.id, reason: END_REASON_OF[transition], endedBy });
    return finished;
  };

  return {
    finish,

    async afterLeave(tx, call, leaverId, cause, outbox) {
      const participants = await listParticipants(tx, [call.id]);
      const leaver = participants.find((p) => p.userId === leaverId);
      if (leaver !== undefined) outbox.leavers.push({ userId: leaverId, stay: leaver.stay });
      const joinedOthers = withStatus(participants, 'joined');
      const transition = transitionOnLeave(
        { status: call.status, isGroup: call.isGroup },
        joinedOthers.length,
        cause,
      );
      if (transition !== null) {
        return finish(tx, call, transition, cause === 'hang-up' ? leaverId : null, outbox);
      }
      outbox.toUsers(userIdsOf(joinedOthers), 'call:participant-left', { callId: call.id, userId: leaverId });
      return null;
    },

    async reject(tx, call, me, deviceId, outbox) {
      if (me.status === 'rejected') return { callId: call.id, status: call.status };
      if (!isOpen(call.status)) throw new AppError('conflict', `the call is already ${call.status}`);
      if (me.status !== 'invited' && me.status !== 'ringing') {
        throw new AppError(
          'conflict',
          `cannot decline a call you are ${me.status === 'joined' ? 'in' : me.status}`,
        );
      }
      await moveParticipants(tx, call.id, [me.userId], 'reject', deviceId);
      const participants = await listParticipants(tx, [call.id]);
      outbox.toOtherDevices(me.userId, deviceId, 'call:handled-elsewhere', {
        callId: call.id,
        action: 'rejected',
      });
      outbox.toUsers(userIdsOf(withStatus(participants, 'joined')), 'call:participant-rejected', {
        callId: call.id,
        userId: me.userId,
      });
      const invitees = participants.filter((p) => p.userId !== call.initiatedBy);
      const transition = transitionOnReject({ status: call.status, isGroup: call.isGroup }, invitees);
      const finished = transition === null ? null : await finish(tx, call, transition, me.userId, outbox);
      return { callId: call.id, status: finished?.status ?? call.status };
    },
  };
}
