/**
 * Extra: group calls on an SFU (Janus VideoRoom). The backend owns Janus; clients never talk to it directly.
 * Two participants talk peer-to-peer ('mesh'); when a third joins, the backend creates a room for the call
 * (calls.sfu_room_id) and tells everyone `call:topology` { topology: 'sfu' }. Each client then publishes
 * once (`call:sfu-publish`) and receives one subscription offer (`call:sfu-offer`) carrying the others'
 * streams, answered with `call:sfu-answer`; later offers add and remove streams as people come and go.
 * A call that went to the SFU stays there until it ends, even when it drops back to two participants.
 * `epoch` names one room of the call: after a Janus failure the call moves to a new room with a new epoch
 * and everyone publishes and subscribes again; messages for an older epoch are refused with 'conflict'.
 */
import { z } from 'zod';
import { ackOf } from '../errors.ts';
import { MAX_CALL_PARTICIPANTS, Text, Uuid } from '../primitives.ts';
import { IceCandidate, receivedDescription, sentDescription } from './signaling.ts';

/** Participants that still talk peer-to-peer; the one that makes the call bigger moves it to the SFU. */
export const MAX_MESH_PARTICIPANTS = 2;
/** Without an SFU a call may mesh up to this many participants; more are refused ('call_full'). */
export const MAX_PARTICIPANTS_WITHOUT_SFU = 3;

export const MediaTopology = z.enum(['mesh', 'sfu']);
export type MediaTopology = z.infer<typeof MediaTopology>;

/** What a published stream carries; the publisher names each of its m-lines (Janus stream descriptions). */
export const SfuSource = z.enum(['audio', 'camera', 'screen']);
export type SfuSource = z.infer<typeof SfuSource>;

/** Simulcast layers a subscriber can ask for per video stream; 'off' pauses the stream (tile not visible). */
export const SfuLayer = z.enum(['off', 'low', 'medium', 'high']);
export type SfuLayer = z.infer<typeof SfuLayer>;

export const SfuEpoch = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** One m-line of a subscription offer: whose stream it is and what it carries. */
export const SfuStreamDto = z.object({
  mid: z.string().max(64),
  userId: Uuid,
  kind: z.enum(['audio', 'video']),
  source: SfuSource,
});
export type SfuStreamDto = z.infer<typeof SfuStreamDto>;

export const SfuPublishPayload = z.object({
  callId: Uuid,
  epoch: SfuEpoch,
  offer: sentDescription('offer'),
  /** What each of the offer's m-lines carries, by mid. */
  sources: z
    .array(z.object({ mid: Text.max(64), source: SfuSource }))
    .min(1)
    .max(8),
});
export type SfuPublishPayload = z.input<typeof SfuPublishPayload>;
/** The room's answer to a publish is Janus's SDP relayed by the server: checked like any other input. */
export const SfuPublishAck = ackOf({ answer: receivedDescription('answer') });
export type SfuPublishAck = z.infer<typeof SfuPublishAck>;

export const SfuAnswerPayload = z.object({
  callId: Uuid,
  epoch: SfuEpoch,
  answer: sentDescription('answer'),
});
export type SfuAnswerPayload = z.input<typeof SfuAnswerPayload>;

export const SfuIceCandidatePayload = z.object({
  callId: Uuid,
  epoch: SfuEpoch,
  /** Which of this client's two connections the candidate belongs to. */
  connection: z.enum(['publisher', 'subscriber']),
  candidate: IceCandidate,
});
export type SfuIceCandidatePayload = z.infer<typeof SfuIceCandidatePayload>;

/** The layer wanted for each remote video stream (what the grid shows and how big); unlisted ones keep theirs. */
export const SfuViewPayload = z.object({
  callId: Uuid,
  epoch: SfuEpoch,
  streams: z
    .array(z.object({ userId: Uuid, source: z.enum(['camera', 'screen']), layer: SfuLayer }))
    .max(2 * MAX_CALL_PARTICIPANTS),
});
export type SfuViewPayload = z.infer<typeof SfuViewPayload>;

/**
 * Extra: how the call's media travels now. Sent to every joined participant when the call moves to the SFU
 * or to a new SFU room after a failure, and to a device joining (or rejoining) a call already on the SFU.
 */
export const CallTopologyEvent = z.object({
  callId: Uuid,
  topology: MediaTopology,
  epoch: SfuEpoch,
  /** 'recording-started': a 1:1 call moves to the SFU because Janus records it. */
  reason: z.enum(['participant-joined', 'joined-sfu-call', 'sfu-failover', 'recording-started']),
  /**
   * Extra, optional: set on the announcement a socket gets when it connects to a device that is in the call,
   * if the server holds no media session of that device in the room any more (it ended with the device's
   * previous socket). A client already in this room then publishes and subscribes again at once instead of
   * waiting for its dead connections to fail. Absent: the device's session is intact (or the event is one
   * of the others above), and a client already in the room changes nothing.
   */
  sessionEnded: z.literal(true).optional(),
});
export type CallTopologyEvent = z.infer<typeof CallTopologyEvent>;

/** Audio, camera and screen per other participant at most; one m-line carries one stream. */
export const MAX_SFU_STREAMS = 3 * MAX_CALL_PARTICIPANTS;

/** Extra: Janus's subscription offer (first one, or an update adding/removing others' streams). */
export const SfuOfferEvent = z.object({
  callId: Uuid,
  epoch: SfuEpoch,
  offer: receivedDescription('offer'),
  /** Every m-line of the offer that carries a stream now; an m-line not listed is inactive. */
  streams: z
    .array(SfuStreamDto)
    .max(MAX_SFU_STREAMS)
    .refine((streams) => new Set(streams.map((s) => s.mid)).size === streams.length, 'duplicate mid'),
});
export type SfuOfferEvent = z.infer<typeof SfuOfferEvent>;
