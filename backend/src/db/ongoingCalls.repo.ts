/** Extra: the open calls of group conversations as their members see them (the "call in progress" banner). */
import { CallType, type OngoingCallDto } from '../../../src/shared/protocol/index.ts';
import type { Queryable } from './db.ts';

interface OngoingCallRow {
  id: string;
  conversation_id: string;
  type: string;
  status: OngoingCallDto['status'];
  initiated_by: string;
  started_at: Date | null;
  joined_user_ids: string[];
}

/** Joined participants in joining order: the banner's count and avatars. */
const SELECT_ONGOING = `
  SELECT c.id, c.conversation_id, c.type, c.status, c.initiated_by, c.started_at,
         ARRAY(SELECT p.user_id::text FROM call_participants p
                WHERE p.call_id = c.id AND p.status = 'joined'
                ORDER BY p.joined_at, p.user_id) AS joined_user_ids
    FROM calls c JOIN conversations conv ON conv.id = c.conversation_id
   WHERE conv.is_group AND c.status IN ('initiated', 'ringing', 'active')`;

const toDto = (row: OngoingCallRow): OngoingCallDto => ({
  callId: row.id,
  conversationId: row.conversation_id,
  type: CallType.catch('audio').parse(row.type),
  status: row.status,
  initiatedBy: row.initiated_by,
  startedAt: row.started_at === null ? null : row.started_at.toISOString(),
  joinedUserIds: row.joined_user_ids,
});

/** The open group calls of every conversation the user is a member of, newest first. */
export async function listOngoingCallsOf(q: Queryable, userId: string): Promise<OngoingCallDto[]> {
  const rows = await q.query<OngoingCallRow>(
    `${SELECT_ONGOING}
       AND c.conversation_id IN (SELECT conversation_id FROM conversation_members WHERE user_id = $1)
     ORDER BY c.created_at DESC, c.id DESC`,
    [userId],
  );
  return rows.map(toDto);
}

/** The call as its conversation's members see it; null once it is finished (or not a group call). */
export async function findOngoingCall(q: Queryable, callId: string): Promise<OngoingCallDto | null> {
  const [row] = await q.query<OngoingCallRow>(`${SELECT_ONGOING} AND c.id = $1`, [callId]);
  return row === undefined ? null : toDto(row);
}

export async function conversationMemberIds(q: Queryable, conversationId: string): Promise<string[]> {
  const rows = await q.query<{ user_id: string }>(
    'SELECT user_id FROM conversation_members WHERE conversation_id = $1',
    [conversationId],
  );
  return rows.map((r) => r.user_id);
}
