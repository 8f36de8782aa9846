/**
 * calls.sfu_room_id names the call's current Janus room as `<janus ws url>#<roomId>`: the instance it lives
 * on (any node can reach it through its pool) and the room id, which clients know as the SFU epoch.
 * config.ts refuses JANUS_URLS entries containing '#', so the last '#' always separates the two.
 */
import { SfuEpoch } from '../../../src/shared/protocol.ts';

export interface SfuRoomRef {
  url: string;
  roomId: number;
}

export function formatRoomRef(ref: SfuRoomRef): string {
  return `${ref.url}#${ref.roomId}`;
}

/** Null for NULL or anything this backend did not write. */
export function parseRoomRef(value: string | null): SfuRoomRef | null {
  if (value === null) return null;
  const at = value.lastIndexOf('#');
  if (at <= 0) return null;
  const digits = value.slice(at + 1);
  const roomId = SfuEpoch.safeParse(/^\d{1,16}$/.test(digits) ? Number(digits) : NaN);
  if (!roomId.success) return null;
  return { url: value.slice(0, at), roomId: roomId.data };
}
