/**
 * The client's boundary for server -> client socket events: each payload is parsed with the protocol's
 * schema for its event before any listener sees it (a bad payload is dropped, never half-applied).
 */
import { serverEvents } from '../../shared/protocol/index.ts';
import type { ServerEventName, ServerEventPayload } from '../../shared/protocol/index.ts';

/** The payload, or a short reason naming the first bad field. */
export function parseServerEvent<K extends ServerEventName>(
  event: K,
  payload: unknown,
): { ok: true; value: ServerEventPayload<K> } | { ok: false; reason: string } {
  const result = serverEvents[event].safeParse(payload);
  if (result.success) return { ok: true, value: result.data as ServerEventPayload<K> };
  const issue = result.error.issues[0];
  return { ok: false, reason: `${issue?.path.join('.') || 'payload'}: ${issue?.message ?? 'invalid'}` };
}
