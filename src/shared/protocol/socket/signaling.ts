/**
 * Socket.io (spec: "WebSocket Events"): the handshake, and the offers, answers and ICE candidates relayed
 * between participants, in both directions, and the quality reports a participant sends. Transport: WebSocket only. Handshake: `auth: { token, deviceId? }`.
 * Signaling reaches the target's device in the call once they joined; before that, every device of theirs
 * that rings (the caller offers with the ring, see docs/client.md).
 */
import { z } from 'zod';
import {
  DeviceId,
  MAX_CALL_PARTICIPANTS,
  MAX_SDP_BYTES,
  StampedDeviceId,
  Text,
  Uuid,
} from '../primitives.ts';
import { PeerQualitySample } from '../quality.ts';

export const SocketHandshakeAuth = z.object({
  token: z.string().min(1).max(4096),
  deviceId: DeviceId.optional(),
});
export type SocketHandshakeAuth = z.infer<typeof SocketHandshakeAuth>;

const Sdp = Text.max(MAX_SDP_BYTES);
export const SessionDescription = z.object({
  type: z.enum(['offer', 'answer', 'pranswer', 'rollback']),
  sdp: Sdp,
});
export type SessionDescription = z.infer<typeof SessionDescription>;

/** RTCIceCandidateInit; null marks end-of-candidates. */
export const IceCandidate = z
  .object({
    candidate: Text.max(2048),
    sdpMid: Text.max(64).nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(1024).nullable().optional(),
    usernameFragment: Text.max(256).nullable().optional(),
  })
  .nullable();
export type IceCandidate = z.infer<typeof IceCandidate>;

/**
 * A description of one type, as a client sends it and as it arrives: both accept the same descriptions and
 * differ only in what a refusal names. The server's 400 names the whole description (`offer`, the field a
 * client sent); a client's log names the wrong `offer.type` of a description another client or Janus made.
 */
export function sentDescription<T extends 'offer' | 'answer'>(type: T) {
  return SessionDescription.refine(
    (d): d is { type: T; sdp: string } => d.type === type,
    `${type}.type must be "${type}"`,
  );
}
export function receivedDescription<T extends 'offer' | 'answer'>(type: T) {
  return z.object({ type: z.literal(type), sdp: Sdp });
}

/**
 * Extra: one device of the target, as its signaling's `fromDeviceId` named it. A caller whose offer several
 * ringing devices answered offers to each extra device on its own.
 */
const TargetDevice = { targetDeviceId: DeviceId.optional() };
/**
 * Extra: the sender takes an answer from each ringing device of the target (it offers again to every extra
 * one, see `targetDeviceId`), so ringing devices may answer before their user picks up (instant answer). An
 * offer without it, as from a client written from the spec alone, is answered only by the device that
 * picks up: that client keeps one connection per person and would pair with whichever device answered first.
 */
const Preconnect = { preconnect: z.literal(true).optional() };

// Client -> server
export const OfferPayload = z.object({
  callId: Uuid,
  targetUserId: Uuid,
  offer: sentDescription('offer'),
  ...TargetDevice,
  ...Preconnect,
});
export type OfferPayload = z.input<typeof OfferPayload>;
export const AnswerPayload = z.object({
  callId: Uuid,
  targetUserId: Uuid,
  answer: sentDescription('answer'),
  ...TargetDevice,
});
export type AnswerPayload = z.input<typeof AnswerPayload>;
export const IceCandidatePayload = z.object({
  callId: Uuid,
  targetUserId: Uuid,
  candidate: IceCandidate,
  ...TargetDevice,
});
export type IceCandidatePayload = z.infer<typeof IceCandidatePayload>;
/** Per-peer stats, sent about every 10 s (the client samples every 3 s and reports the latest). */
export const QualityReportPayload = z.object({
  callId: Uuid,
  samples: z
    .array(PeerQualitySample)
    .min(1)
    .max(MAX_CALL_PARTICIPANTS - 1),
});
export type QualityReportPayload = z.infer<typeof QualityReportPayload>;

// Server -> client: the same messages, stamped by the server with their sender.
/** Extra: the sender's device (its handshake's deviceId, or the server's `conn-…`); the engine pairs by it. */
const FromDevice = { fromDeviceId: StampedDeviceId.optional() };
const relayed = { callId: Uuid, fromUserId: Uuid, ...FromDevice };

export const OfferEvent = z.object({ ...relayed, offer: receivedDescription('offer'), ...Preconnect });
export type OfferEvent = z.infer<typeof OfferEvent>;
export const AnswerEvent = z.object({ ...relayed, answer: receivedDescription('answer') });
export type AnswerEvent = z.infer<typeof AnswerEvent>;
export const IceCandidateEvent = z.object({ ...relayed, candidate: IceCandidate });
export type IceCandidateEvent = z.infer<typeof IceCandidateEvent>;
