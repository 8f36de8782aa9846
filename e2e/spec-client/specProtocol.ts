/**
 * The REST answers and socket events of the phase 4 spec (phase4-voice-video-calls.txt), transcribed from the
 * spec text alone: this folder must not import the project's own protocol module, so that a server drifting
 * away from the documented shapes fails here the way it would fail a mobile app or a bot written from the
 * spec. Objects are not strict: a server may add fields (extensions are allowed), never drop or rename one.
 */
import { z } from 'zod';

const Id = z.string().min(1);
const SessionDescription = z.object({ type: z.enum(['offer', 'answer']), sdp: z.string() });

export const MediaState = z.object({
  audioEnabled: z.boolean(),
  videoEnabled: z.boolean(),
  screenSharing: z.boolean(),
});
export type MediaState = z.infer<typeof MediaState>;

/** POST /api/calls/initiate */
export const InitiateResponse = z.object({
  callId: Id,
  status: z.string(),
  participants: z.array(z.object({ userId: Id, status: z.string() })),
});

/** POST /api/calls/:callId/answer */
export const AnswerResponse = z.object({ callId: Id, status: z.literal('active') });

/** GET /api/calls/turn-credentials; `credentials` may be absent when the server runs without TURN. */
export const TurnCredentialsResponse = z.object({
  credentials: z
    .object({ urls: z.array(z.string()), username: z.string(), credential: z.string() })
    .nullable()
    .optional(),
});

/** Server -> client events, by name. */
export const ServerEvents = {
  'call:incoming': z.object({
    callId: Id,
    conversationId: Id,
    type: z.string(),
    initiatedBy: Id,
    participants: z.array(z.unknown()),
  }),
  'call:offer': z.object({ callId: Id, fromUserId: Id, offer: SessionDescription }),
  'call:answer': z.object({ callId: Id, fromUserId: Id, answer: SessionDescription }),
  'call:ice-candidate': z.object({
    callId: Id,
    fromUserId: Id,
    // RTCIceCandidate as JSON; null or an empty candidate marks the end of gathering.
    candidate: z
      .object({
        candidate: z.string(),
        sdpMid: z.string().nullable().optional(),
        sdpMLineIndex: z.number().nullable().optional(),
      })
      .nullable(),
  }),
  'call:ended': z.object({ callId: Id, reason: z.string() }),
  'call:participant-joined': z.object({ callId: Id, userId: Id }),
  'call:participant-left': z.object({ callId: Id, userId: Id }),
  'call:media-state-changed': z.object({ callId: Id, userId: Id, mediaState: MediaState }),
} as const;

export type ServerEventName = keyof typeof ServerEvents;
export type ServerEvent<N extends ServerEventName> = z.infer<(typeof ServerEvents)[N]>;
