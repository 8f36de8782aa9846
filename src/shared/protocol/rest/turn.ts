/** REST: the ICE servers (STUN and time-limited TURN credentials) a client passes to RTCPeerConnection. */
import { z } from 'zod';
import { IsoDateTime } from '../primitives.ts';

export const IceServerDto = z.object({
  urls: z.array(z.string()),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServerDto = z.infer<typeof IceServerDto>;

/**
 * GET /api/calls/turn-credentials. `credentials` and `expiresAt` are the spec's shape (the TURN server);
 * `iceServers` is what a client passes to RTCPeerConnection (STUN + TURN). With no TURN configured,
 * `turnConfigured` is false, `credentials` is null and `iceServers` holds STUN only.
 */
export const TurnCredentialsResponse = z.object({
  credentials: z
    .object({ urls: z.array(z.string()), username: z.string(), credential: z.string() })
    .nullable(),
  expiresAt: IsoDateTime.nullable(),
  iceServers: z.array(IceServerDto),
  turnConfigured: z.boolean(),
  ttlSeconds: z.number().int().positive().nullable(),
});
export type TurnCredentialsResponse = z.infer<typeof TurnCredentialsResponse>;
