/**
 * Socket.io, server -> client: what the server tells participants (and, for group calls, every member of
 * the conversation) about a call: the ring, joins and leaves, media state, the end (spec shapes; extras are
 * marked), and the floor: raised hands and reactions, which participants also send (client -> server).
 */
import { z } from 'zod';
import {
  CallType,
  EndReason,
  IsoDateTime,
  MAX_CALL_PARTICIPANTS,
  MediaState,
  StampedDeviceId,
  Uuid,
} from '../primitives.ts';
import { OngoingCallDto, ParticipantDto } from '../rest/calls.ts';

const callRef = { callId: Uuid };
/** Events about one participant of a call. */
const participantRef = { ...callRef, userId: Uuid };

export const CallIncomingEvent = z.object({
  ...callRef,
  conversationId: Uuid,
  type: CallType,
  initiatedBy: Uuid,
  participants: z.array(ParticipantDto),
});
export type CallIncomingEvent = z.infer<typeof CallIncomingEvent>;

export const CallEndedEvent = z.object({
  ...callRef,
  reason: EndReason,
  /** The user whose action ended the call; null when the server ended it (ring timeout, failure). */
  endedBy: Uuid.nullable(),
});
export type CallEndedEvent = z.infer<typeof CallEndedEvent>;

export const ParticipantJoinedEvent = z.object({
  ...participantRef,
  userName: z.string(),
  userIdentifier: z.string(),
  /** Extra: the device they answered on, when it named one: the caller keeps its connection to that device. */
  deviceId: StampedDeviceId.optional(),
  /** Extra: they said they take the caller's offer and never offer first (see AnswerCallRequest). */
  awaitsOffer: z.literal(true).optional(),
});
export type ParticipantJoinedEvent = z.infer<typeof ParticipantJoinedEvent>;

export const ParticipantLeftEvent = z.object(participantRef);
export type ParticipantLeftEvent = z.infer<typeof ParticipantLeftEvent>;

export const MediaStateChangedEvent = z.object({ ...participantRef, mediaState: MediaState });
export type MediaStateChangedEvent = z.infer<typeof MediaStateChangedEvent>;

/** Extra: a callee declined (the caller of a 1:1 call also gets call:ended with reason 'rejected'). */
export const ParticipantRejectedEvent = z.object(participantRef);
export type ParticipantRejectedEvent = z.infer<typeof ParticipantRejectedEvent>;

/** Extra: these invitees did not answer before the ring timeout; each of them shows a missed call. */
export const ParticipantsMissedEvent = z.object({ ...callRef, userIds: z.array(Uuid) });
export type ParticipantsMissedEvent = z.infer<typeof ParticipantsMissedEvent>;

/** Extra: to a user's other devices when one of them answered or declined: stop ringing within a second. */
export const HandledElsewhereEvent = z.object({ ...callRef, action: z.enum(['answered', 'rejected']) });
export type HandledElsewhereEvent = z.infer<typeof HandledElsewhereEvent>;

/**
 * Extra: a joined participant came back (reload, restart, new network). Peers drop their connection to
 * this user and negotiate a new one (perfect negotiation: the polite side is the larger userId).
 */
export const ParticipantReconnectedEvent = z.object(participantRef);
export type ParticipantReconnectedEvent = z.infer<typeof ParticipantReconnectedEvent>;

/**
 * Extra: the call's recording started, stopped or failed. To every joined participant, and to a joiner
 * before its `call:topology` (so before its media flows). `byUserId` is null when the server stopped it.
 */
export const CallRecordingEvent = z.object({
  ...callRef,
  state: z.enum(['recording', 'stopped', 'failed']),
  byUserId: Uuid.nullable(),
  message: z.string().max(500).nullable(),
});
export type CallRecordingEvent = z.infer<typeof CallRecordingEvent>;

/**
 * Extra: to every member of a group conversation when its open call changes (created, someone joined or
 * left, finished: `call` null).
 */
export const ConversationCallEvent = z.object({ conversationId: Uuid, call: OngoingCallDto.nullable() });
export type ConversationCallEvent = z.infer<typeof ConversationCallEvent>;

/** Extra: raise or lower my hand; the host (the initiator) may lower anyone's with `userId`. */
export const HandPayload = z.object({
  ...callRef,
  raised: z.boolean(),
  userId: Uuid.optional(),
});
export type HandPayload = z.infer<typeof HandPayload>;

/** Extra: the raised hands of a call, oldest first, to every joined participant after each change. */
export const HandsChangedEvent = z.object({
  ...callRef,
  hands: z.array(z.object({ userId: Uuid, raisedAt: IsoDateTime })).max(MAX_CALL_PARTICIPANTS),
  /** Who changed it: the participant themself, or the host lowering someone's hand. */
  changedBy: Uuid,
});
export type HandsChangedEvent = z.infer<typeof HandsChangedEvent>;

/** Extra: the reactions a participant can send; shown briefly on the sender's tile. */
export const REACTIONS = ['👍', '👏', '❤️', '😂', '😮', '🎉'] as const;
export const Reaction = z.enum(REACTIONS);
export type Reaction = z.infer<typeof Reaction>;
export const ReactionPayload = z.object({ ...callRef, reaction: Reaction });
export type ReactionPayload = z.infer<typeof ReactionPayload>;
/** Extra: a participant's reaction, to every other joined participant. */
export const ReactionEvent = z.object({ ...participantRef, reaction: Reaction });
export type ReactionEvent = z.infer<typeof ReactionEvent>;
