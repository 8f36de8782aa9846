import { z } from 'zod';
import {
  IceCandidate,
  MAX_CALL_PARTICIPANTS,
  MediaTopology,
  SessionDescription,
  SfuEpoch,
  SfuStreamDto,
  StampedDeviceId,
} from '../../shared/protocol.ts';
import type {
  AnswerEvent,
  CallTopologyEvent,
  IceCandidateEvent,
  OfferEvent,
  SfuOfferEvent,
} from '../../shared/protocol.ts';

/**
 * Signaling relayed by the server still comes from another client; it is parsed before any of it reaches
 * an RTCPeerConnection, so a malformed message is refused with the field named and changes nothing.
 */
const sdp = SessionDescription.shape.sdp;
const envelope = {
  callId: z.string().min(1),
  fromUserId: z.string().min(1),
  fromDeviceId: StampedDeviceId.optional(),
};

const OfferEventSchema = z.object({
  ...envelope,
  offer: z.object({ type: z.literal('offer'), sdp }),
});
const AnswerEventSchema = z.object({
  ...envelope,
  answer: z.object({ type: z.literal('answer'), sdp }),
});
const IceCandidateEventSchema = z.object({ ...envelope, candidate: IceCandidate });

const TopologySchema = z.object({ callId: z.string().min(1), topology: MediaTopology, epoch: SfuEpoch });
/** Audio, camera and screen per other participant at most. */
export const MAX_SFU_STREAMS = 3 * MAX_CALL_PARTICIPANTS;
const SfuOfferEventSchema = z.object({
  callId: z.string().min(1),
  epoch: SfuEpoch,
  offer: z.object({ type: z.literal('offer'), sdp }),
  streams: z.array(SfuStreamDto).max(MAX_SFU_STREAMS),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, event: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : 'payload';
  throw new TypeError(`Invalid ${event} event: ${field}: ${issue?.message ?? 'invalid'}`);
}

export const parseOfferEvent = (e: OfferEvent) => parse(OfferEventSchema, e, 'call:offer');
export const parseAnswerEvent = (e: AnswerEvent) => parse(AnswerEventSchema, e, 'call:answer');
export const parseIceCandidateEvent = (e: IceCandidateEvent) =>
  parse(IceCandidateEventSchema, e, 'call:ice-candidate');
export const parseTopologyEvent = (e: Pick<CallTopologyEvent, 'callId' | 'topology' | 'epoch'>) =>
  parse(TopologySchema, e, 'call:topology');
export const parseSfuOfferEvent = (e: SfuOfferEvent) => parse(SfuOfferEventSchema, e, 'call:sfu-offer');
