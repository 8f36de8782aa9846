/**
 * Failures on the wire: every non-2xx REST answer carries an ErrorResponse, and every failed socket
 * acknowledgement an ApiError; a successful acknowledgement is `{ ok: true }` plus the event's result.
 */
import { z } from 'zod';

export const ERROR_CODES = [
  'bad_request', // 400: a body, param or payload failed validation; `field` names the first bad one
  'unauthorized', // 401: no token or a bad/expired token
  'forbidden', // 403: not a member of the conversation / not a participant of the call
  'not_found', // 404: unknown call, conversation or user
  'conflict', // 409: illegal state transition, e.g. answering an ended call
  'call_full', // 409: the call already has MAX_CALL_PARTICIPANTS
  'rate_limited', // 429
  'unavailable', // 503: a dependency (database, SFU) is down
  'internal', // 500: never with details
] as const;
export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ApiError = z.object({
  code: ErrorCode,
  message: z.string(),
  /** Dotted path of the first invalid field, for 400s. */
  field: z.string().optional(),
});
export type ApiError = z.infer<typeof ApiError>;
export const ErrorResponse = z.object({ error: ApiError });
export type ErrorResponse = z.infer<typeof ErrorResponse>;

export const FailedAck = z.object({ ok: z.literal(false), error: ApiError });

/** The acknowledgement of an event whose success carries `result` (none: `{ ok: true }` alone). */
export function ackOf<R extends z.ZodRawShape>(result: R) {
  return z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), ...result }), FailedAck]);
}

/** What every client -> server event without a result of its own is acknowledged with. */
export const SocketAck = ackOf({});
export type SocketAck = z.infer<typeof SocketAck>;
