/**
 * The call lifecycle: initiate, answer, reject, end, and what the sweeper does when a ring times out or a
 * dropped participant does not come back. Each operation runs in one transaction that first locks the call
 * row, then changes state only through the conditional updates of the state machine tables, and queues its
 * events in an Outbox delivered after commit (lockedCall.ts). Answering lives in callAnswer.ts, leaving and
 * finishing in callEnding.ts, SFU rooms in callRooms.ts; this file is the facade the routes use.
 */
import type {
  AnswerCallResponse,
  EndCallResponse,
  InitiateCallRequest,
  InitiateCallResponse,
  RejectCallResponse,
} from '../../../src/shared/protocol/index.ts';
import { findCallsWithExpiredRinging, insertCall, moveCall } from '../db/calls.repo.ts';
import { findConversation } from '../db/conversations.repo.ts';
import type { Db, Queryable } from '../db/db.ts';
import { findExpiredDisconnections, leaveIfStillDisconnected } from '../db/deviceLiveness.repo.ts';
import { insertParticipants, listParticipants, moveParticipants } from '../db/participants.repo.ts';
import { moveRecording } from '../db/recordings.repo.ts';
import { replaceSfuRoom } from '../db/sfuPlacement.repo.ts';
import type { Call, LockedCall, Participant } from '../domain/call.ts';
import { isOpen } from '../domain/callStateMachine.ts';
import { RECORDING_MESSAGES } from '../domain/recordingStateMachine.ts';
import { formatRoomRef, parseRoomRef, type SfuRoomRef } from '../domain/sfuRoomRef.ts';
import { decideInitiate } from '../domain/topologyPolicy.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { createAnswer } from './callAnswer.ts';
import { createCallEnding, userIdsOf, withStatus } from './callEnding.ts';
import { toParticipantDto } from './callDtos.ts';
import { announceTopology, createCallRooms } from './callRooms.ts';
import { createLockedCallRunner } from './lockedCall.ts';
import type { CallNotifier, Outbox } from './notifier.ts';
import type { SfuRoomsPort } from './sfuRoomsPort.ts';

export interface CallTimings {
  ringTimeoutSeconds: number;
  reconnectGraceSeconds: number;
}

export interface CallService {
  initiate(userId: string, request: InitiateCallRequest): Promise<InitiateCallResponse>;
  /** `awaitsOffer`: the extension of AnswerCallRequest, passed on to the others in call:participant-joined. */
  answer(
    userId: string,
    callId: string,
    deviceId: string | null,
    options?: { awaitsOffer?: boolean },
  ): Promise<AnswerCallResponse>;
  reject(userId: string, callId: string, deviceId: string | null): Promise<RejectCallResponse>;
  end(userId: string, callId: string): Promise<EndCallResponse>;
  /** One sweep: ring timeouts and expired reconnect graces. Safe to run on several nodes at once. */
  sweep(): Promise<void>;
  /**
   * Extra: the Janus instance of the call's room `failedRoom` died. Moves the call to a new room on another
   * healthy instance ('moved', everyone hears `call:topology` with the new epoch), or finishes it as
   * 'media-server-failed' when there is none ('ended'). 'unchanged' when the call is no longer in that room
   * (another node got there first, or it ended): safe to run on every node at once.
   */
  failOverSfuRoom(callId: string, failedRoom: string): Promise<'moved' | 'ended' | 'unchanged'>;
  /**
   * Extra (recording): runs `work` under the call's lock. Its `sfuRoom()` gives the call's SFU room, first
   * moving a peer-to-peer call to a new one: everyone joined hears `call:topology` ('recording-started') and
   * moves over make-before-break, as for a third participant. A rollback destroys the new room again.
   */
  withSfuRoom<T>(callId: string, work: (locked: LockedSfuCall) => Promise<T>): Promise<T>;
}

export interface LockedSfuCall {
  tx: Queryable;
  call: LockedCall;
  outbox: Outbox;
  /** Throws 'unavailable' when no SFU can take the call now. */
  sfuRoom(): Promise<SfuRoomRef>;
}

export interface CallServiceOptions {
  /** The SFU for group calls; null when JANUS_URLS is not set (calls of more than 3 are refused). */
  sfu?: SfuRoomsPort | null;
  logger?: Logger;
}

const SFU_NEEDED_MESSAGE =
  'recording needs the media server (SFU), which is unreachable or not configured; try again in a moment';

/** The answer to `end`: a finished call's recorded duration, or an open call's duration so far. */
function endResponse(call: Call): EndCallResponse {
  const soFar = call.startedAt === null ? 0 : Math.floor((Date.now() - call.startedAt.getTime()) / 1000);
  return {
    callId: call.id,
    status: call.status,
    duration: call.durationSeconds ?? Math.max(0, soFar),
    endReason: call.endReason,
  };
}

export function createCallService(
  db: Db,
  notifier: CallNotifier,
  timings: CallTimings,
  options: CallServiceOptions = {},
): CallService {
  const sfu = options.sfu ?? null;
  const rooms = createCallRooms(sfu, options.logger);
  const ending = createCallEnding(rooms);
  const onLockedCall = createLockedCallRunner(db, notifier);

  /** Non-participants get 403 whether or not they belong to the conversation: they may not act on it. */
  async function requireParticipant(tx: Queryable, call: LockedCall, userId: string): Promise<Participant> {
    const me = (await listParticipants(tx, [call.id])).find((p) => p.userId === userId);
    if (me === undefined) throw new AppError('forbidden', 'you are not a participant of this call');
    return me;
  }

  return {
    async initiate(userId, request) {
      const conversation = await findConversation(db, request.conversationId);
      if (conversation === null) throw new AppError('not_found', 'conversation not found', 'conversationId');
      const memberIds = new Set(conversation.members.map((m) => m.id));
      if (!memberIds.has(userId)) {
        throw new AppError('forbidden', 'you are not a member of this conversation', 'conversationId');
      }
      const requested = request.participantIds ?? [...memberIds];
      const inviteeIds = [...new Set(requested)].filter((id) => id !== userId);
      if (inviteeIds.length === 0) {
        throw new AppError(
          'bad_request',
          'participantIds: invite at least one other member',
          'participantIds',
        );
      }
      if (inviteeIds.some((id) => !memberIds.has(id))) {
        throw new AppError(
          'forbidden',
          'every participant must be a member of the conversation',
          'participantIds',
        );
      }
      const refusal = decideInitiate({ participants: inviteeIds.length + 1, sfuConfigured: sfu !== null });
      if (refusal !== null) throw new AppError(refusal.code, refusal.message, 'participantIds');

      const callId = await db.transaction(async (tx) => {
        const id = await insertCall(tx, {
          conversationId: conversation.id,
          type: request.type,
          initiatedBy: userId,
        });
        await insertParticipants(tx, id, { userId, deviceId: request.deviceId ?? null }, inviteeIds);
        return id;
      });
      // The answer shows the call as created ('initiated', invitees 'invited'), as the spec does; the
      // invitees are then notified and the call moves to 'ringing'.
      const created = await listParticipants(db, [callId]);
      const participants = created.map(toParticipantDto);

      await onLockedCall(callId, async (tx, call, outbox) => {
        // Only who is still 'invited' rings: the call may already have been cancelled in between.
        await moveCall(tx, callId, 'ring');
        const ringing = await moveParticipants(tx, callId, inviteeIds, 'ring');
        outbox.toUsers(ringing, 'call:incoming', {
          callId,
          conversationId: call.conversationId,
          type: request.type,
          initiatedBy: userId,
          participants: (await listParticipants(tx, [callId])).map(toParticipantDto),
        });
      });
      return { callId, status: 'initiated', participants };
    },

    answer: createAnswer(onLockedCall, rooms),

    reject(userId, callId, deviceId) {
      return onLockedCall(callId, async (tx, call, outbox) =>
        ending.reject(tx, call, await requireParticipant(tx, call, userId), deviceId, outbox),
      );
    },

    end(userId, callId) {
      return onLockedCall(callId, async (tx, call, outbox): Promise<EndCallResponse> => {
        const me = await requireParticipant(tx, call, userId);
        if (isOpen(call.status) && (me.status === 'invited' || me.status === 'ringing')) {
          // Hanging up while it still rings is declining.
          const { status } = await ending.reject(tx, call, me, me.deviceId, outbox);
          return { callId, status, duration: 0, endReason: status === 'rejected' ? 'rejected' : null };
        }
        // Ending a finished call, or leaving a call one already left, changes nothing.
        if (!isOpen(call.status) || me.status !== 'joined') return endResponse(call);
        await moveParticipants(tx, callId, [userId], 'leave');
        return endResponse((await ending.afterLeave(tx, call, userId, 'hang-up', outbox)) ?? call);
      });
    },

    async sweep() {
      // One failing call must not hold up the others: every item is tried, failures are reported together.
      const failures: unknown[] = [];
      const attempt = (work: Promise<unknown>) => work.catch((err: unknown) => failures.push(err));
      for (const callId of await findCallsWithExpiredRinging(db, timings.ringTimeoutSeconds)) {
        await attempt(
          onLockedCall(callId, async (tx, call, outbox) => {
            if (call.status === 'initiated' || call.status === 'ringing') {
              await ending.finish(tx, call, 'timeout', null, outbox);
              return;
            }
            // An active group call: only the invitees who never answered stop ringing.
            const missed = await moveParticipants(tx, callId, null, 'miss');
            if (missed.length === 0) return;
            const everyone = userIdsOf(await listParticipants(tx, [callId]));
            outbox.toUsers(everyone, 'call:participants-missed', { callId, userIds: missed });
          }),
        );
      }
      for (const { callId, userId } of await findExpiredDisconnections(db, timings.reconnectGraceSeconds)) {
        await attempt(
          onLockedCall(callId, async (tx, call, outbox) => {
            if (!(await leaveIfStillDisconnected(tx, callId, userId, timings.reconnectGraceSeconds))) return;
            await ending.afterLeave(tx, call, userId, 'dropped', outbox);
          }),
        );
      }
      if (failures.length > 0) throw new AggregateError(failures, `${failures.length} sweep item(s) failed`);
    },
    async failOverSfuRoom(callId, failedRoom) {
      let newRoom: SfuRoomRef | null = null;
      try {
        return await onLockedCall(callId, async (tx, call, outbox) => {
          if (!isOpen(call.status) || call.sfuRoomId !== failedRoom) return 'unchanged';
          newRoom = await rooms.open(tx, callId, parseRoomRef(failedRoom)?.url);
          if (newRoom === null) {
            await ending.finish(tx, call, 'mediaServerFail', null, outbox);
            return 'ended';
          }
          // Under the call lock this cannot lose; the condition is what makes racing nodes harmless.
          if (!(await replaceSfuRoom(tx, callId, failedRoom, formatRoomRef(newRoom)))) {
            const unused = newRoom;
            outbox.afterCommit(() => rooms.destroyQuietly(unused));
            return 'unchanged';
          }
          const joined = withStatus(await listParticipants(tx, [callId]), 'joined');
          // The dead instance's recorders are gone: the recording ends with what it has, the call goes on.
          const message = RECORDING_MESSAGES.mediaServerFailed;
          if (await moveRecording(tx, callId, 'interrupt', { message })) {
            outbox.toUsers(userIdsOf(joined), 'call:recording', {
              callId,
              state: 'stopped',
              byUserId: null,
              message,
            });
          }
          announceTopology(outbox, joined, callId, newRoom, 'sfu-failover');
          return 'moved';
        });
      } catch (err) {
        if (newRoom !== null) rooms.destroyQuietly(newRoom);
        throw err;
      }
    },

    async withSfuRoom(callId, work) {
      let created: SfuRoomRef | null = null;
      try {
        return await onLockedCall(callId, (tx, call, outbox) =>
          work({
            tx,
            call,
            outbox,
            async sfuRoom() {
              const current = created ?? parseRoomRef(call.sfuRoomId);
              if (current !== null) return current;
              const room = await rooms.open(tx, callId);
              if (room === null) throw new AppError('unavailable', SFU_NEEDED_MESSAGE);
              created = room;
              await replaceSfuRoom(tx, callId, null, formatRoomRef(room));
              const joined = withStatus(await listParticipants(tx, [callId]), 'joined');
              announceTopology(outbox, joined, callId, room, 'recording-started');
              return room;
            },
          }),
        );
      } catch (err) {
        if (created !== null) rooms.destroyQuietly(created);
        throw err;
      }
    },
  };
}
