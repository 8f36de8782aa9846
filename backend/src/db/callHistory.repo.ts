/** The history query: a user's calls page by page, keyed on (created_at, id) so pages never overlap. */
import type { ParticipantStatus } from '../../../src/shared/protocol.ts';
import type { Call } from '../domain/call.ts';
import { CALL_COLUMNS, toCall, type CallRow } from './callRows.ts';
import type { Queryable } from './db.ts';

export interface HistoryCursor {
  createdAt: string;
  id: string;
}

export interface HistoryEntry {
  call: Call;
  /** The user's own participant status in the call. */
  myStatus: ParticipantStatus;
  /** Where the next page starts when this is the last entry of one (created_at with microseconds). */
  cursor: HistoryCursor;
}

/** One page of the user's calls, newest first; fetches `limit` rows. */
export async function listHistory(
  q: Queryable,
  params: { userId: string; missedOnly: boolean; after: HistoryCursor | null; limit: number },
): Promise<HistoryEntry[]> {
  const rows = await q.query<CallRow & { my_status: ParticipantStatus; cursor_created_at: string }>(
    `SELECT ${CALL_COLUMNS}, p.status AS my_status,
            to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_created_at
       FROM call_participants p JOIN calls c ON c.id = p.call_id
      WHERE p.user_id = $1
        AND (NOT $2::boolean OR p.status = 'missed')
        AND ($3::timestamptz IS NULL OR (c.created_at, c.id) < ($3::timestamptz, $4::uuid))
      ORDER BY c.created_at DESC, c.id DESC
      LIMIT $5`,
    [
      params.userId,
      params.missedOnly,
      params.after?.createdAt ?? null,
      params.after?.id ?? null,
      params.limit,
    ],
  );
  return rows.map((row) => ({
    call: toCall(row),
    myStatus: row.my_status,
    cursor: { createdAt: row.cursor_created_at, id: row.id },
  }));
}
