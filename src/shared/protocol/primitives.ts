/**
 * The wire contract's building blocks: the spec's enumerations ("Database Schema"), the limits both sides
 * enforce, and the scalar types every REST body and socket payload is made of.
 */
import { z } from 'zod';

export const CALL_TYPES = ['audio', 'video', 'screen'] as const;
export const CallType = z.enum(CALL_TYPES);
export type CallType = z.infer<typeof CallType>;

/** A call can be started as audio or video; 'screen' is a stored type only (a call that is all screen share). */
export const InitiableCallType = z.enum(['audio', 'video']);
export type InitiableCallType = z.infer<typeof InitiableCallType>;

export const CALL_STATUSES = [
  'initiated',
  'ringing',
  'active',
  'ended',
  'missed',
  'rejected',
  'failed',
] as const;
export const CallStatus = z.enum(CALL_STATUSES);
export type CallStatus = z.infer<typeof CallStatus>;

/** Terminal call statuses: no transition leaves them. */
export const FINAL_CALL_STATUSES: readonly CallStatus[] = ['ended', 'missed', 'rejected', 'failed'];

export const PARTICIPANT_STATUSES = ['invited', 'ringing', 'joined', 'left', 'rejected', 'missed'] as const;
export const ParticipantStatus = z.enum(PARTICIPANT_STATUSES);
export type ParticipantStatus = z.infer<typeof ParticipantStatus>;

/** Why a call ended (calls.end_reason). */
export const END_REASONS = [
  'ended-by-user', // a participant hung up (1:1) or the last participant left (group)
  'rejected', // the callee of a 1:1 call declined
  'missed', // nobody answered before the ring timeout
  'cancelled', // the caller hung up before anyone answered
  'connection-failed', // media could not be established / all participants dropped
  'server-shutdown', // reserved: never written by a graceful shutdown, see backend README
  'media-server-failed', // extra: the call's SFU (Janus) died and no other instance could take the call over
] as const;
export const EndReason = z.enum(END_REASONS);
export type EndReason = z.infer<typeof EndReason>;

/** Spec: "Limit group calls to 20 participants max"; a conversation holds at most this many members too. */
export const MAX_CALL_PARTICIPANTS = 20;
export const MAX_CONVERSATION_MEMBERS = 20;
/** Largest SDP accepted on the wire (a 20-way Chromium offer with simulcast stays well under this). */
export const MAX_SDP_BYTES = 64 * 1024;
/** Socket.io `maxHttpBufferSize`: the largest signaling message plus envelope. */
export const MAX_SOCKET_MESSAGE_BYTES = 100 * 1024;

export const Uuid = z.uuid();
export const IsoDateTime = z.iso.datetime({ offset: true });

/**
 * Every free-text field on the wire. PostgreSQL's text types refuse NUL (error 22021), and a lone UTF-16
 * surrogate has no UTF-8 form (the drivers would silently store U+FFFD instead), so both are refused here,
 * before anything reaches a query or a peer, with the field named in the 400.
 */
// NUL is the point here. In 'u' mode only an unpaired surrogate matches \p{Cs}.
// eslint-disable-next-line no-control-regex
const UNSTORABLE_CHARACTER = /[\u0000\p{Cs}]/u;
export const Text = z
  .string()
  .refine((value) => !UNSTORABLE_CHARACTER.test(value), 'must not contain NUL or unpaired UTF-16 surrogates');

/** Identifies one signed-in client (a desktop install or a browser tab) so a user's devices can be told apart. */
export const DeviceId = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'deviceId must be 8-64 characters of A-Z, a-z, 0-9, _ or -');
export type DeviceId = z.infer<typeof DeviceId>;
/**
 * A device as the server names it on relayed signaling and joins (`fromDeviceId`, `deviceId`): the client's
 * own DeviceId or the server's `conn-<uuid>`; clients accept any short id, so other servers' names work too.
 */
export const StampedDeviceId = z.string().min(1).max(128);

export const MediaState = z.object({
  audioEnabled: z.boolean(),
  videoEnabled: z.boolean(),
  screenSharing: z.boolean(),
  /**
   * Extra: the participants toward whom this one's video is paused by a poor connection (their send
   * ladder's audio-only rung, per peer connection), so those see "Video paused: poor connection" instead
   * of a frozen picture. Absent (a spec client) or empty: nothing paused.
   */
  videoPausedFor: z
    .array(Uuid)
    .max(MAX_CALL_PARTICIPANTS - 1)
    .optional(),
});
export type MediaState = z.infer<typeof MediaState>;
export const DEFAULT_MEDIA_STATE: MediaState = {
  audioEnabled: true,
  videoEnabled: true,
  screenSharing: false,
};

/** Polite side of a peer pair in perfect negotiation: the larger userId yields on glare. */
export function isPolitePeer(selfUserId: string, peerUserId: string): boolean {
  return selfUserId > peerUserId;
}
