/**
 * zod schemas for every server -> client socket event. The protocol module types these payloads as plain
 * interfaces; the client still validates them at its boundary (a bad payload is dropped, never half-applied),
 * and `satisfies` below keeps each schema in lockstep with the interface it checks.
 */
import { z } from 'zod';
import {
  CallType,
  EndReason,
  IceCandidate,
  IsoDateTime,
  MAX_CALL_PARTICIPANTS,
  MediaState,
  MediaTopology,
  OngoingCallDto,
  ParticipantDto,
  Reaction,
  SessionDescription,
  SfuEpoch,
  SfuStreamDto,
  StampedDeviceId,
  Uuid,
} from '../../shared/protocol.ts';
import type { ServerToClientEvents } from '../../shared/protocol.ts';

type PayloadOf<K extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[K]>[0];

const callRef = { callId: Uuid };
/** Extra on relayed signaling and joins: the device, as the server named it (kept: the engine pairs by it). */
const device = StampedDeviceId.optional();

export const serverEventSchemas = {
  'call:incoming': z.object({
    ...callRef,
    conversationId: Uuid,
    type: CallType,
    initiatedBy: Uuid,
    participants: z.array(ParticipantDto),
  }),
  'call:offer': z.object({
    ...callRef,
    fromUserId: Uuid,
    fromDeviceId: device,
    offer: SessionDescription,
    preconnect: z.literal(true).optional(),
  }),
  'call:answer': z.object({ ...callRef, fromUserId: Uuid, fromDeviceId: device, answer: SessionDescription }),
  'call:ice-candidate': z.object({
    ...callRef,
    fromUserId: Uuid,
    fromDeviceId: device,
    candidate: IceCandidate,
  }),
  'call:ended': z.object({ ...callRef, reason: EndReason, endedBy: Uuid.nullable() }),
  'call:participant-joined': z.object({
    ...callRef,
    userId: Uuid,
    userName: z.string(),
    userIdentifier: z.string(),
    deviceId: device,
  }),
  'call:participant-left': z.object({ ...callRef, userId: Uuid }),
  'call:media-state-changed': z.object({ ...callRef, userId: Uuid, mediaState: MediaState }),
  'call:participant-rejected': z.object({ ...callRef, userId: Uuid }),
  'call:participants-missed': z.object({ ...callRef, userIds: z.array(Uuid) }),
  'call:handled-elsewhere': z.object({ ...callRef, action: z.enum(['answered', 'rejected']) }),
  'call:participant-reconnected': z.object({ ...callRef, userId: Uuid }),
  'call:topology': z.object({
    ...callRef,
    topology: MediaTopology,
    epoch: SfuEpoch,
    reason: z.enum(['participant-joined', 'joined-sfu-call', 'sfu-failover', 'recording-started']),
  }),
  'call:sfu-offer': z.object({
    ...callRef,
    epoch: SfuEpoch,
    offer: z.object({ type: z.literal('offer'), sdp: SessionDescription.shape.sdp }),
    // Audio, camera and screen of everyone else at most; one m-line carries one stream.
    streams: z
      .array(SfuStreamDto)
      .max(3 * MAX_CALL_PARTICIPANTS)
      .refine((streams) => new Set(streams.map((s) => s.mid)).size === streams.length, 'duplicate mid'),
  }),
  'call:recording': z.object({
    ...callRef,
    state: z.enum(['recording', 'stopped', 'failed']),
    byUserId: Uuid.nullable(),
    message: z.string().max(500).nullable(),
  }),
  'conversation:call': z.object({ conversationId: Uuid, call: OngoingCallDto.nullable() }),
  'call:hands': z.object({
    ...callRef,
    hands: z.array(z.object({ userId: Uuid, raisedAt: IsoDateTime })).max(MAX_CALL_PARTICIPANTS),
    changedBy: Uuid,
  }),
  'call:reaction': z.object({ ...callRef, userId: Uuid, reaction: Reaction }),
} satisfies { [K in keyof ServerToClientEvents]: z.ZodType<PayloadOf<K>> };

export type ServerEventName = keyof ServerToClientEvents;

/** The payload, or a short reason naming the first bad field. */
export function parseServerEvent<K extends ServerEventName>(
  event: K,
  payload: unknown,
): { ok: true; value: PayloadOf<K> } | { ok: false; reason: string } {
  const result = (serverEventSchemas[event] as z.ZodType<PayloadOf<K>>).safeParse(payload);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return { ok: false, reason: `${issue?.path.join('.') || 'payload'}: ${issue?.message ?? 'invalid'}` };
}
