/** Calls and participants as clients see them (the spec's CallDto); the media server's address stays inside. */
import type { CallDto, CallRecordingDto, ParticipantDto } from '../../../src/shared/protocol.ts';
import { listParticipants } from '../db/participants.repo.ts';
import { findCall } from '../db/calls.repo.ts';
import type { Queryable } from '../db/db.ts';
import type { Call, Participant } from '../domain/call.ts';
import { parseRoomRef } from '../domain/sfuRoomRef.ts';

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

export function toParticipantDto(p: Participant): ParticipantDto {
  return {
    userId: p.userId,
    userName: p.userName,
    userIdentifier: p.userIdentifier,
    status: p.status,
    mediaState: p.mediaState,
    joinedAt: iso(p.joinedAt),
    leftAt: iso(p.leftAt),
    connectionQuality: p.connectionQuality,
    handRaisedAt: iso(p.handRaisedAt),
  };
}

/** `participants` may hold those of other calls too (a history page): only this call's are taken. */
export function toCallDto(call: Call, participants: readonly Participant[]): CallDto {
  return {
    id: call.id,
    conversationId: call.conversationId,
    type: call.type,
    status: call.status,
    initiatedBy: call.initiatedBy,
    startedAt: iso(call.startedAt),
    endedAt: iso(call.endedAt),
    durationSeconds: call.durationSeconds,
    endReason: call.endReason,
    createdAt: call.createdAt.toISOString(),
    // The room id (the SFU epoch) only: the media server's internal address is none of the clients' business.
    sfuRoomId: parseRoomRef(call.sfuRoomId)?.roomId.toString() ?? null,
    participants: participants.filter((p) => p.callId === call.id).map(toParticipantDto),
    qualityStats: call.qualityStats,
    recordingUrl: call.recordingUrl,
    recording: toRecordingDto(call),
  };
}

/** The call's recording as clients see it; null when it was never recorded. */
export function toRecordingDto(call: Call): CallRecordingDto | null {
  if (call.recordingState === null) return null;
  return {
    state: call.recordingState,
    startedBy: call.recordingStartedBy,
    startedAt: iso(call.recordingStartedAt),
    message: call.recordingMessage,
  };
}

export async function loadCallDto(q: Queryable, callId: string): Promise<CallDto | null> {
  const call = await findCall(q, callId);
  return call === null ? null : toCallDto(call, await listParticipants(q, [callId]));
}
