/** REST: what a participant does to a call (spec: "API Endpoints"): start, answer, reject, end, media, recording. */
import { z } from 'zod';
import {
  CallStatus,
  DeviceId,
  EndReason,
  InitiableCallType,
  IsoDateTime,
  MAX_CALL_PARTICIPANTS,
  MediaState,
  Uuid,
} from '../primitives.ts';
import { CallRecordingDto, ParticipantDto } from './calls.ts';

/** POST /api/calls/initiate. participantIds defaults to every other member of the conversation. */
export const InitiateCallRequest = z.object({
  conversationId: Uuid,
  type: InitiableCallType,
  participantIds: z
    .array(Uuid)
    .min(1)
    .max(MAX_CALL_PARTICIPANTS - 1)
    .optional(),
  /** The caller's device, so signaling reaches this device only. */
  deviceId: DeviceId.optional(),
});
export type InitiateCallRequest = z.infer<typeof InitiateCallRequest>;
export const InitiateCallResponse = z.object({
  callId: Uuid,
  status: CallStatus,
  participants: z.array(ParticipantDto),
});
export type InitiateCallResponse = z.infer<typeof InitiateCallResponse>;

export const CallIdParams = z.object({ callId: Uuid });

/**
 * POST /api/calls/:callId/answer (body optional). Idempotent: answering again (e.g. after a reload) re-joins
 * and moves this user's signaling to the given device. A conversation member who was not invited may join
 * an active group call this way. Also the body of POST /reject, which reads only `deviceId`.
 */
export const AnswerCallRequest = z.object({
  deviceId: DeviceId.optional(),
  /**
   * Extra: this device takes the initiator's offer and never offers to the initiator first, so an initiator
   * whose offer has not left yet need not wait for one (relayed as `call:participant-joined`'s `awaitsOffer`).
   * Without it (a plain client) the initiator waits a moment for the callee's own offer before offering.
   */
  awaitsOffer: z.boolean().optional(),
});
export type AnswerCallRequest = z.infer<typeof AnswerCallRequest>;

export const AnswerCallResponse = z.object({
  callId: Uuid,
  status: CallStatus,
  startedAt: IsoDateTime,
  /** Extra: set when the call is being recorded, so a joiner knows before any of its media flows. */
  recording: CallRecordingDto.optional(),
});
export type AnswerCallResponse = z.infer<typeof AnswerCallResponse>;

/**
 * POST /api/calls/:callId/reject. `status` is the call's status afterwards: 'rejected' for a 1:1 call; for a
 * group call the call goes on for the others and the rejecting participant's own status is 'rejected'.
 */
export const RejectCallResponse = z.object({ callId: Uuid, status: CallStatus });
export type RejectCallResponse = z.infer<typeof RejectCallResponse>;

/**
 * POST /api/calls/:callId/end. Idempotent. In a group call with others still joined this leaves the call
 * (`status` stays 'active'); the call ends when the last participant leaves.
 */
export const EndCallResponse = z.object({
  callId: Uuid,
  status: CallStatus,
  duration: z.number().int().nonnegative(),
  endReason: EndReason.nullable(),
});
export type EndCallResponse = z.infer<typeof EndCallResponse>;

/** PATCH /api/calls/:callId/media: any subset of the three flags. */
export const UpdateMediaRequest = MediaState.partial().refine((v) => Object.keys(v).length > 0, {
  message: 'at least one of audioEnabled, videoEnabled, screenSharing is required',
});
export type UpdateMediaRequest = z.infer<typeof UpdateMediaRequest>;
export const UpdateMediaResponse = z.object({ success: z.literal(true), mediaState: MediaState });
export type UpdateMediaResponse = z.infer<typeof UpdateMediaResponse>;

/** Extra: POST /api/calls/:callId/recording/start and /stop answer with the call's recording now. */
export const RecordingResponse = z.object({ callId: Uuid, recording: CallRecordingDto });
export type RecordingResponse = z.infer<typeof RecordingResponse>;
