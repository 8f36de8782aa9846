/**
 * The call lifecycle: initiate, answer, reject, end, and what the sweeper does when a ring times out or a
 * dropped participant does not come back. Each operation runs in one transaction that first locks the call
 * row, then changes state only through the conditional updates of the state machine tables, and queues its
 * events in an Outbox delivered after commit.
 */
import {
  EndReason,
  type AnswerCallResponse,
  type EndCallResponse,
  type InitiateCallRequest,
  type InitiateCallResponse,
  type OngoingCallDto,
  type RejectCallResponse,
} from '../../../src/shared/protocol/index.ts';
import {
  addJoinedParticipant,
  findCallsWithExpiredRinging,
  findExpiredDisconnections,
  finishCall,
  insertCall,
  insertParticipants,
  leaveIfStillDisconnected,
  listParticipants,
  lockCall,
  moveCall,
  moveParticipants,
  replaceSfuRoom,
  sfuLoadByInstance,
  toParticipantDto,
  toRecordingDto,
  type CallRow,
  type LockedCallRow,
  type ParticipantRow,
} from '../db/calls.repo.ts';
import { isRecording, moveRecording } from '../db/recordings.repo.ts';
import { findConversation, isConversationMember } from '../db/conversations.repo.ts';
import { conversationMemberIds, findOngoingCall } from '../db/ongoingCalls.repo.ts';
import type { Db, Queryable } from '../db/db.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { pickInstance } from '../sfu/roomPlacement.ts';
import { formatRoomRef, parseRoomRef, type SfuRoomRef } from '../sfu/sfuRoomRef.ts';
import type { SfuRoomsPort } from '../sfu/sfuRoomsPort.ts';
import { decideInitiate, decideJoin } from '../sfu/topologyPolicy.ts';
import {
  END_REASON_OF,
  isOpen,
  transitionOnLeave,
  transitionOnReject,
  type FinishingTransition,
} from './callStateMachine.ts';
import { Outbox, type CallNotifier } from './notifier.ts';
import { RECORDING_MESSAGES } from './recordingStateMachine.ts';
import { summariseCallQuality } from './quality.ts';

export interface CallTimings {
  ringTimeoutSeconds: number;
  reconnectGraceSeconds: number;
}

export interface CallService {
  initiate(userId: string, request: InitiateCallRequest): Promise<InitiateCallResponse>;
  answer(userId: string, callId: string, deviceId: string | null): Promise<AnswerCallResponse>;
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
  call: LockedCallRow;
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

const userIdsOf = (rows: readonly ParticipantRow[]) => rows.map((p) => p.user_id);
const withStatus = (rows: readonly ParticipantRow[], status: ParticipantRow['status']) =>
  rows.filter((p) => p.status === status);

/** The answer to `end`: a finished call's recorded duration, or an open call's duration so far. */
function endResponse(call: CallRow): EndCallResponse {
  const soFar = call.started_at === null ? 0 : Math.floor((Date.now() - call.started_at.getTime()) / 1000);
  return {
    callId: call.id,
    status: call.status,
    duration: call.duration_seconds ?? Math.max(0, soFar),
    endReason: EndReason.nullable().catch(null).parse(call.end_reason),
  };
}

export function createCallService(
  db: Db,
  notifier: CallNotifier,
  timings: CallTimings,
  options: CallServiceOptions = {},
): CallService {
  const sfu = options.sfu ?? null;
  const logger = options.logger;

  /** After commit, or after a rollback left a new room unused. A leftover is swept at the next start-up. */
  function destroyRoomQuietly(room: SfuRoomRef): void {
    // A dead instance cannot be asked, and a restarted Janus starts without our (non-permanent) rooms.
    if (sfu === null || !sfu.healthy().includes(room.url)) return;
    sfu.destroy(room.url, room.roomId).catch((err: unknown) => {
      logger?.warn({ err, janusUrl: room.url, roomId: room.roomId }, 'janus room destroy failed');
    });
  }

  /**
   * Creates the call's room on the least-loaded healthy instance (load = joined participants of open calls
   * there), trying the next one if an instance fails meanwhile; null when none could.
   */
  async function openSfuRoom(tx: Queryable, callId: string, avoidUrl?: string): Promise<SfuRoomRef | null> {
    if (sfu === null) return null;
    const candidates = sfu.healthy().filter((url) => url !== avoidUrl);
    if (candidates.length === 0) return null;
    const load = await sfuLoadByInstance(tx);
    while (candidates.length > 0) {
      const url = pickInstance(candidates, load)!;
      try {
        return { url, roomId: await sfu.create(url, callId) };
      } catch (err) {
        logger?.warn({ err, janusUrl: url, callId }, 'janus room creation failed');
        candidates.splice(candidates.indexOf(url), 1);
      }
    }
    return null;
  }

  /**
   * Whether a joiner fits in the call as it is (null), makes it move to a new SFU room (the room), or is
   * refused (throws). `joinedAfter` counts the joiner.
   */
  async function topologyOnJoin(
    tx: Queryable,
    call: LockedCallRow,
    joinedAfter: number,
  ): Promise<SfuRoomRef | null> {
    const situation = {
      joinedAfter,
      currentTopology: call.sfu_room_id === null ? ('mesh' as const) : ('sfu' as const),
      sfuConfigured: sfu !== null,
      sfuReachable: sfu !== null && sfu.healthy().length > 0,
    };
    let decision = decideJoin(situation);
    if (decision.action === 'move-to-sfu') {
      const room = await openSfuRoom(tx, call.id);
      if (room !== null) return room;
      // Every instance failed to create the room: the call goes on as if the SFU were unreachable.
      decision = decideJoin({ ...situation, sfuReachable: false });
    }
    if (decision.action === 'refuse') throw new AppError(decision.code, decision.message);
    return null;
  }

  /** `call:topology` to the device each joined participant is in the call on. */
  function announceTopology(
    outbox: Outbox,
    joined: readonly Pick<ParticipantRow, 'user_id' | 'device_id'>[],
    callId: string,
    room: SfuRoomRef,
    reason: 'participant-joined' | 'sfu-failover' | 'recording-started',
  ): void {
    for (const p of joined) {
      outbox.toDevice(p.user_id, p.device_id, 'call:topology', {
        callId,
        topology: 'sfu',
        epoch: room.roomId,
        reason,
      });
    }
  }

  /** Runs one call operation under the call's row lock; events go out only after commit. */
  async function onLockedCall<T>(
    callId: string,
    work: (tx: Queryable, call: LockedCallRow, outbox: Outbox) => Promise<T>,
  ): Promise<T> {
    const outbox = new Outbox();
    const result = await db.transaction(async (tx) => {
      const call = await lockCall(tx, callId);
      if (call === null) throw new AppError('not_found', 'call not found');
      if (!call.is_group) return work(tx, call, outbox);
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
  }

  /**
   * Every member of a group conversation hears when its open call starts, gains or loses someone, or ends,
   * whether or not they are in it: that is what their banner and conversation row show.
   */
  async function announceOngoingCall(
    tx: Queryable,
    call: LockedCallRow,
    before: OngoingCallDto | null,
    outbox: Outbox,
  ): Promise<void> {
    const after = await findOngoingCall(tx, call.id);
    if (JSON.stringify(after) === JSON.stringify(before)) return;
    const members = await conversationMemberIds(tx, call.conversation_id);
    outbox.toUsers(members, 'conversation:call', { conversationId: call.conversation_id, call: after });
  }

  /** Non-participants get 403 whether or not they belong to the conversation: they may not act on it. */
  async function requireParticipant(
    tx: Queryable,
    call: LockedCallRow,
    userId: string,
  ): Promise<ParticipantRow> {
    const me = (await listParticipants(tx, [call.id])).find((p) => p.user_id === userId);
    if (me === undefined) throw new AppError('forbidden', 'you are not a participant of this call');
    return me;
  }

  /**
   * Writes the final status, end reason, duration and quality summary; invitees still ringing become
   * 'missed' and joined participants 'left'. Null when another request or node finished the call first.
   */
  async function finish(
    tx: Queryable,
    call: LockedCallRow,
    transition: FinishingTransition,
    endedBy: string | null,
    outbox: Outbox,
  ) {
    const before = await listParticipants(tx, [call.id]);
    const quality = summariseCallQuality(
      before.map((p) => ({ userId: p.user_id, mediaStats: p.media_stats })),
    );
    const finished = await finishCall(tx, call.id, transition, { ...quality });
    if (finished === null) return null;
    const room = parseRoomRef(call.sfu_room_id);
    if (room !== null) outbox.afterCommit(() => destroyRoomQuietly(room));
    const missed = await moveParticipants(tx, call.id, null, 'miss');
    await moveParticipants(tx, call.id, null, 'leave');
    const everyone = userIdsOf(before);
    if (missed.length > 0) {
      outbox.toUsers(everyone, 'call:participants-missed', { callId: call.id, userIds: missed });
    }
    outbox.toUsers(everyone, 'call:ended', { callId: call.id, reason: END_REASON_OF[transition], endedBy });
    return finished;
  }

  /** A joined participant is gone (hung up or dropped for good): notify, and finish the call if it must. */
  async function afterLeave(
    tx: Queryable,
    call: LockedCallRow,
    leaverId: string,
    cause: 'hang-up' | 'dropped',
    outbox: Outbox,
  ) {
    outbox.leavers.push(leaverId);
    const participants = await listParticipants(tx, [call.id]);
    const joinedOthers = withStatus(participants, 'joined');
    const transition = transitionOnLeave(
      { status: call.status, isGroup: call.is_group },
      joinedOthers.length,
      cause,
    );
    if (transition !== null) {
      return finish(tx, call, transition, cause === 'hang-up' ? leaverId : null, outbox);
    }
    outbox.toUsers(userIdsOf(joinedOthers), 'call:participant-left', { callId: call.id, userId: leaverId });
    return null;
  }

  async function rejectLocked(
    tx: Queryable,
    call: LockedCallRow,
    me: ParticipantRow,
    deviceId: string | null,
    outbox: Outbox,
  ): Promise<RejectCallResponse> {
    if (me.status === 'rejected') return { callId: call.id, status: call.status };
    if (!isOpen(call.status)) throw new AppError('conflict', `the call is already ${call.status}`);
    if (me.status !== 'invited' && me.status !== 'ringing') {
      throw new AppError(
        'conflict',
        `cannot decline a call you are ${me.status === 'joined' ? 'in' : me.status}`,
      );
    }
    await moveParticipants(tx, call.id, [me.user_id], 'reject', deviceId);
    const participants = await listParticipants(tx, [call.id]);
    outbox.toOtherDevices(me.user_id, deviceId, 'call:handled-elsewhere', {
      callId: call.id,
      action: 'rejected',
    });
    outbox.toUsers(userIdsOf(withStatus(participants, 'joined')), 'call:participant-rejected', {
      callId: call.id,
      userId: me.user_id,
    });
    const invitees = participants.filter((p) => p.user_id !== call.initiated_by);
    const transition = transitionOnReject({ status: call.status, isGroup: call.is_group }, invitees);
    const finished = transition === null ? null : await finish(tx, call, transition, me.user_id, outbox);
    return { callId: call.id, status: finished?.status ?? call.status };
  }

  /** `onRoomCreated` hears of a new SFU room before commit, so a rollback can destroy it again. */
  function answerLocked(
    userId: string,
    callId: string,
    deviceId: string | null,
    onRoomCreated: (room: SfuRoomRef) => void,
  ): Promise<AnswerCallResponse> {
    return onLockedCall(callId, async (tx, call, outbox) => {
      const participants = await listParticipants(tx, [callId]);
      const me = participants.find((p) => p.user_id === userId);
      if (me === undefined) {
        // A member of a group conversation who was not invited may join its open call.
        const member = call.is_group && (await isConversationMember(tx, call.conversation_id, userId));
        if (!member) throw new AppError('forbidden', 'you are not a participant of this call');
      }
      if (!isOpen(call.status)) throw new AppError('conflict', `the call is already ${call.status}`);
      const joined = withStatus(participants, 'joined');
      const wasJoined = me?.status === 'joined';
      // Too big for what the deployment carries (refused), or just big enough to need the SFU now.
      const newRoom = wasJoined ? null : await topologyOnJoin(tx, call, joined.length + 1);
      if (newRoom !== null) {
        onRoomCreated(newRoom);
        await replaceSfuRoom(tx, callId, null, formatRoomRef(newRoom));
      }

      const active = call.status === 'active' ? call : await moveCall(tx, callId, 'answer');
      if (me === undefined) await addJoinedParticipant(tx, callId, userId, deviceId);
      else await moveParticipants(tx, callId, [userId], 'join', deviceId);

      const others = userIdsOf(joined).filter((id) => id !== userId);
      // Told before anything else, so before the joiner's media flows anywhere.
      const recording = isRecording(call) ? (toRecordingDto(call) ?? undefined) : undefined;
      if (recording !== undefined) {
        outbox.toDevice(userId, deviceId, 'call:recording', {
          callId,
          state: 'recording',
          byUserId: recording.startedBy,
          message: null,
        });
      }
      // Before the join itself: peers that hear of a third participant must not start meshing with them.
      const currentRoom = parseRoomRef(call.sfu_room_id);
      if (newRoom !== null) {
        const everyone = [
          ...joined.filter((p) => p.user_id !== userId),
          { user_id: userId, device_id: deviceId },
        ];
        announceTopology(outbox, everyone, callId, newRoom, 'participant-joined');
      } else if (currentRoom !== null) {
        outbox.toDevice(userId, deviceId, 'call:topology', {
          callId,
          topology: 'sfu',
          epoch: currentRoom.roomId,
          reason: 'joined-sfu-call',
        });
      }
      if (wasJoined) {
        // Answering again from another device: peers drop the old connection and negotiate anew. From the
        // same device it is a reload, which its new socket has announced already (presence.service), at the
        // moment the page can take offers; a second announcement made the peers reconnect twice, and the
        // page's answer to their first offer landed on the second connection, which never made that offer.
        if (me.device_id !== deviceId) {
          outbox.toUsers(others, 'call:participant-reconnected', { callId, userId });
        }
      } else {
        const self = me ?? (await listParticipants(tx, [callId])).find((p) => p.user_id === userId)!;
        outbox.toUsers(others, 'call:participant-joined', {
          callId,
          userId,
          userName: self.user_name,
          userIdentifier: self.user_email,
          ...(deviceId === null ? {} : { deviceId }),
        });
      }
      outbox.toOtherDevices(userId, deviceId, 'call:handled-elsewhere', { callId, action: 'answered' });
      return {
        callId,
        status: 'active',
        startedAt: (active?.started_at ?? new Date()).toISOString(),
        ...(recording === undefined ? {} : { recording }),
      };
    });
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
          conversationId: call.conversation_id,
          type: request.type,
          initiatedBy: userId,
          participants: (await listParticipants(tx, [callId])).map(toParticipantDto),
        });
      });
      return { callId, status: 'initiated', participants };
    },

    async answer(userId, callId, deviceId) {
      let newRoom: SfuRoomRef | null = null;
      try {
        return await answerLocked(userId, callId, deviceId, (room) => (newRoom = room));
      } catch (err) {
        // The transaction rolled back: nobody will ever use the room created for it.
        if (newRoom !== null) destroyRoomQuietly(newRoom);
        throw err;
      }
    },

    reject(userId, callId, deviceId) {
      return onLockedCall(callId, async (tx, call, outbox) =>
        rejectLocked(tx, call, await requireParticipant(tx, call, userId), deviceId, outbox),
      );
    },

    end(userId, callId) {
      return onLockedCall(callId, async (tx, call, outbox): Promise<EndCallResponse> => {
        const me = await requireParticipant(tx, call, userId);
        if (isOpen(call.status) && (me.status === 'invited' || me.status === 'ringing')) {
          // Hanging up while it still rings is declining.
          const { status } = await rejectLocked(tx, call, me, me.device_id, outbox);
          return { callId, status, duration: 0, endReason: status === 'rejected' ? 'rejected' : null };
        }
        // Ending a finished call, or leaving a call one already left, changes nothing.
        if (!isOpen(call.status) || me.status !== 'joined') return endResponse(call);
        await moveParticipants(tx, callId, [userId], 'leave');
        return endResponse((await afterLeave(tx, call, userId, 'hang-up', outbox)) ?? call);
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
              await finish(tx, call, 'timeout', null, outbox);
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
      for (const { call_id, user_id } of await findExpiredDisconnections(db, timings.reconnectGraceSeconds)) {
        await attempt(
          onLockedCall(call_id, async (tx, call, outbox) => {
            if (!(await leaveIfStillDisconnected(tx, call_id, user_id, timings.reconnectGraceSeconds)))
              return;
            await afterLeave(tx, call, user_id, 'dropped', outbox);
          }),
        );
      }
      if (failures.length > 0) throw new AggregateError(failures, `${failures.length} sweep item(s) failed`);
    },
    async failOverSfuRoom(callId, failedRoom) {
      let newRoom: SfuRoomRef | null = null;
      try {
        return await onLockedCall(callId, async (tx, call, outbox) => {
          if (!isOpen(call.status) || call.sfu_room_id !== failedRoom) return 'unchanged';
          newRoom = await openSfuRoom(tx, callId, parseRoomRef(failedRoom)?.url);
          if (newRoom === null) {
            await finish(tx, call, 'mediaServerFail', null, outbox);
            return 'ended';
          }
          // Under the call lock this cannot lose; the condition is what makes racing nodes harmless.
          if (!(await replaceSfuRoom(tx, callId, failedRoom, formatRoomRef(newRoom)))) {
            const unused = newRoom;
            outbox.afterCommit(() => destroyRoomQuietly(unused));
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
        if (newRoom !== null) destroyRoomQuietly(newRoom);
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
              const current = created ?? parseRoomRef(call.sfu_room_id);
              if (current !== null) return current;
              const room = await openSfuRoom(tx, callId);
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
        if (created !== null) destroyRoomQuietly(created);
        throw err;
      }
    },
  };
}
