/**
 * Answering a call, which is also how anyone joins one: the first answer makes the call active, a join that
 * makes a call too big for peer to peer moves it to a new SFU room (everyone hears `call:topology` first),
 * and answering again from another device makes the peers reconnect to it.
 */
import type { AnswerCallResponse } from '../../../src/shared/protocol/index.ts';
import { moveCall } from '../db/calls.repo.ts';
import { isConversationMember } from '../db/conversations.repo.ts';
import { addJoinedParticipant, listParticipants, moveParticipants } from '../db/participants.repo.ts';
import { replaceSfuRoom } from '../db/sfuPlacement.repo.ts';
import { isRecording } from '../domain/call.ts';
import { isOpen } from '../domain/callStateMachine.ts';
import { formatRoomRef, parseRoomRef, type SfuRoomRef } from '../domain/sfuRoomRef.ts';
import { AppError } from '../errors.ts';
import { userIdsOf, withStatus } from './callEnding.ts';
import { toRecordingDto } from './callDtos.ts';
import { announceTopology, type CallRooms } from './callRooms.ts';
import type { OnLockedCall } from './lockedCall.ts';

export type AnswerCall = (
  userId: string,
  callId: string,
  deviceId: string | null,
  options?: { awaitsOffer?: boolean },
) => Promise<AnswerCallResponse>;

export function createAnswer(onLockedCall: OnLockedCall, rooms: CallRooms): AnswerCall {
  return async function answer(userId, callId, deviceId, options = {}) {
    let newRoom: SfuRoomRef | null = null;
    const joiner = { userId, deviceId, awaitsOffer: options.awaitsOffer === true };
    try {
      return await answerLocked(onLockedCall, rooms, callId, joiner, (room) => (newRoom = room));
    } catch (err) {
      // The transaction rolled back: nobody will ever use the room created for it.
      if (newRoom !== null) rooms.destroyQuietly(newRoom);
      throw err;
    }
  };
}

/** `onRoomCreated` hears of a new SFU room before commit, so a rollback can destroy it again. */
function answerLocked(
  onLockedCall: OnLockedCall,
  rooms: Pick<CallRooms, 'topologyOnJoin'>,
  callId: string,
  joiner: { userId: string; deviceId: string | null; awaitsOffer: boolean },
  onRoomCreated: (room: SfuRoomRef) => void,
): Promise<AnswerCallResponse> {
  const { userId, deviceId } = joiner;
  return onLockedCall(callId, async (tx, call, outbox) => {
    const participants = await listParticipants(tx, [callId]);
    const me = participants.find((p) => p.userId === userId);
    if (me === undefined) {
      // A member of a group conversation who was not invited may join its open call.
      const member = call.isGroup && (await isConversationMember(tx, call.conversationId, userId));
      if (!member) throw new AppError('forbidden', 'you are not a participant of this call');
    }
    if (!isOpen(call.status)) throw new AppError('conflict', `the call is already ${call.status}`);
    const joined = withStatus(participants, 'joined');
    const wasJoined = me?.status === 'joined';
    // Too big for what the deployment carries (refused), or just big enough to need the SFU now.
    const newRoom = wasJoined ? null : await rooms.topologyOnJoin(tx, call, joined.length + 1);
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
    const currentRoom = parseRoomRef(call.sfuRoomId);
    if (newRoom !== null) {
      const everyone = [...joined.filter((p) => p.userId !== userId), { userId, deviceId }];
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
      if (me.deviceId !== deviceId) {
        outbox.toUsers(others, 'call:participant-reconnected', { callId, userId });
      }
    } else {
      const self = me ?? (await listParticipants(tx, [callId])).find((p) => p.userId === userId)!;
      outbox.toUsers(others, 'call:participant-joined', {
        callId,
        userId,
        userName: self.userName,
        userIdentifier: self.userIdentifier,
        ...(deviceId === null ? {} : { deviceId }),
        ...(joiner.awaitsOffer ? { awaitsOffer: true as const } : {}),
      });
    }
    outbox.toOtherDevices(userId, deviceId, 'call:handled-elsewhere', { callId, action: 'answered' });
    return {
      callId,
      status: 'active',
      startedAt: (active?.startedAt ?? new Date()).toISOString(),
      ...(recording === undefined ? {} : { recording }),
    };
  });
}
