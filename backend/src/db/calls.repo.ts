/**
 * The calls table: creating a call, locking it, and moving its status only along the call state machine
 * (domain/callStateMachine.ts), plus the lookups by id and by user.
 */
import type { CallType } from '../../../src/shared/protocol.ts';
import type { Call, LockedCall } from '../domain/call.ts';
import {
  CALL_TRANSITIONS,
  END_REASON_OF,
  type CallTransition,
  type FinishingTransition,
} from '../domain/callStateMachine.ts';
import { CALL_COLUMNS, toCall, toLockedCall, type CallRow } from './callRows.ts';
import type { Queryable } from './db.ts';

export async function insertCall(
  q: Queryable,
  call: { conversationId: string; type: CallType; initiatedBy: string },
): Promise<string> {
  const [row] = await q.query<{ id: string }>(
    'INSERT INTO calls (conversation_id, type, initiated_by) VALUES ($1, $2, $3) RETURNING id',
    [call.conversationId, call.type, call.initiatedBy],
  );
  return row!.id;
}

/** Locks the call row for the rest of the transaction: every operation on one call runs one at a time. */
export async function lockCall(q: Queryable, callId: string): Promise<LockedCall | null> {
  const [row] = await q.query<CallRow & { is_group: boolean }>(
    `SELECT ${CALL_COLUMNS}, conv.is_group
       FROM calls c JOIN conversations conv ON conv.id = c.conversation_id
      WHERE c.id = $1 FOR UPDATE OF c`,
    [callId],
  );
  return row === undefined ? null : toLockedCall(row);
}

/** A non-finishing call transition; null when the call was not in one of its `from` statuses. */
export async function moveCall(
  q: Queryable,
  callId: string,
  transition: CallTransition,
): Promise<Call | null> {
  const { from, to } = CALL_TRANSITIONS[transition];
  const [row] = await q.query<CallRow>(
    `UPDATE calls c SET status = $2::text, updated_at = NOW(),
            started_at = CASE WHEN $2::text = 'active' THEN COALESCE(c.started_at, NOW()) ELSE c.started_at END
      WHERE c.id = $1 AND c.status = ANY($3::text[])
      RETURNING ${CALL_COLUMNS}`,
    [callId, to, from],
  );
  return row === undefined ? null : toCall(row);
}

/**
 * A finishing transition: ended_at, duration_seconds (0 when the call never became active) and end_reason
 * are always written together with the final status.
 */
export async function finishCall(
  q: Queryable,
  callId: string,
  transition: FinishingTransition,
  qualityStats: Record<string, unknown>,
): Promise<Call | null> {
  const { from, to } = CALL_TRANSITIONS[transition];
  const [row] = await q.query<CallRow>(
    `UPDATE calls c SET status = $2::text, end_reason = $3::text, quality_stats = $4::jsonb, ended_at = NOW(), updated_at = NOW(),
            duration_seconds = COALESCE(FLOOR(EXTRACT(EPOCH FROM (NOW() - c.started_at))), 0)::int
      WHERE c.id = $1 AND c.status = ANY($5::text[])
      RETURNING ${CALL_COLUMNS}`,
    [callId, to, END_REASON_OF[transition], qualityStats, from],
  );
  return row === undefined ? null : toCall(row);
}

export async function findCall(q: Queryable, callId: string): Promise<Call | null> {
  const [row] = await q.query<CallRow>(`SELECT ${CALL_COLUMNS} FROM calls c WHERE c.id = $1`, [callId]);
  return row === undefined ? null : toCall(row);
}

/** The open call the user is joined to, else the newest one ringing for them. */
export async function findActiveCallId(q: Queryable, userId: string): Promise<string | null> {
  const [row] = await q.query<{ id: string }>(
    `SELECT c.id FROM call_participants p JOIN calls c ON c.id = p.call_id
      WHERE p.user_id = $1 AND c.status IN ('initiated', 'ringing', 'active')
        AND p.status IN ('joined', 'invited', 'ringing')
      ORDER BY (p.status = 'joined') DESC, c.created_at DESC LIMIT 1`,
    [userId],
  );
  return row?.id ?? null;
}

/** For the sweeper: open calls with invitees still ringing past the timeout (ringing calls, and active group calls). */
export async function findCallsWithExpiredRinging(
  q: Queryable,
  ringTimeoutSeconds: number,
): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `SELECT c.id FROM calls c
      WHERE c.status IN ('initiated', 'ringing', 'active')
        AND c.created_at < NOW() - make_interval(secs => $1)
        AND EXISTS (SELECT 1 FROM call_participants p
                     WHERE p.call_id = c.id AND p.status IN ('invited', 'ringing'))
      ORDER BY c.created_at LIMIT 500`,
    [ringTimeoutSeconds],
  );
  return rows.map((r) => r.id);
}
