/**
 * The recording columns of calls. Every change is a conditional update from the states the recording state
 * machine allows, so nodes racing on the same call (two sweeps, a stop during a failover) change it once.
 */
import { RECORDING_TRANSITIONS, type RecordingTransition } from '../domain/recordingStateMachine.ts';
import type { Queryable } from './db.ts';

const FINAL_CALL = `c.status NOT IN ('initiated', 'ringing', 'active')`;

export interface CallRecording {
  id: string;
  conversationId: string;
  recordingState: string | null;
  recordingUrl: string | null;
}

/**
 * Applies a transition; `startedBy` is written on 'start', `message` always (null clears it). Returns
 * whether the call was in one of the transition's `from` states.
 */
export async function moveRecording(
  q: Queryable,
  callId: string,
  transition: RecordingTransition,
  extra: { startedBy?: string; message?: string | null; url?: string | null } = {},
): Promise<boolean> {
  const { from, to } = RECORDING_TRANSITIONS[transition];
  const rows = await q.query(
    `UPDATE calls SET recording_state = $2::text, recording_updated_at = NOW(), updated_at = NOW(),
            recording_message = $4::text,
            recording_started_by = CASE WHEN $3::uuid IS NULL THEN recording_started_by ELSE $3::uuid END,
            recording_started_at = CASE WHEN $3::uuid IS NULL THEN recording_started_at ELSE NOW() END,
            recording_url = CASE WHEN $6::boolean THEN $5::text ELSE recording_url END
      WHERE id = $1 AND COALESCE(recording_state, 'none') = ANY($7::text[])
      RETURNING id`,
    [
      callId,
      to,
      extra.startedBy ?? null,
      extra.message ?? null,
      extra.url ?? null,
      extra.url !== undefined,
      from,
    ],
  );
  return rows.length > 0;
}

/**
 * Finished calls whose recording waits for post-processing (once the room had `settleMs` to close its files),
 * and ones a node began processing `staleMs` ago without finishing (it died).
 */
export async function findRecordingsToProcess(
  q: Queryable,
  settleMs: number,
  staleMs: number,
): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `SELECT c.id FROM calls c
      WHERE c.recording_state IS NOT NULL AND ${FINAL_CALL}
        AND ((c.recording_state IN ('recording', 'stopped') AND c.ended_at < NOW() - make_interval(secs => $1::float8 / 1000))
          OR (c.recording_state = 'processing' AND c.recording_updated_at < NOW() - make_interval(secs => $2::float8 / 1000)))
      ORDER BY c.ended_at LIMIT 10`,
    [settleMs, staleMs],
  );
  return rows.map((r) => r.id);
}

/** Claims a recording for post-processing (also a stale claim); false when another node has it. */
export async function claimForProcessing(q: Queryable, callId: string, staleMs: number): Promise<boolean> {
  const rows = await q.query(
    `UPDATE calls SET recording_state = 'processing', recording_updated_at = NOW()
      WHERE id = $1 AND (recording_state IN ('recording', 'stopped')
        OR (recording_state = 'processing' AND recording_updated_at < NOW() - make_interval(secs => $2::float8 / 1000)))
      RETURNING id`,
    [callId, staleMs],
  );
  return rows.length > 0;
}

/** Recordings (and failed leftovers) of calls that ended more than `retentionDays` ago. */
export async function findExpiredRecordings(q: Queryable, retentionDays: number): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `SELECT id FROM calls
      WHERE recording_state IN ('ready', 'failed')
        AND ended_at < NOW() - make_interval(secs => $1::float8 * 86400)
      LIMIT 100`,
    [retentionDays],
  );
  return rows.map((r) => r.id);
}

/** Open calls being recorded now. */
export async function findOpenRecordingCalls(q: Queryable): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `SELECT id FROM calls WHERE recording_state = 'recording' AND status IN ('initiated', 'ringing', 'active')`,
  );
  return rows.map((r) => r.id);
}

export async function findRecording(q: Queryable, callId: string): Promise<CallRecording | null> {
  const [row] = await q.query<CallRecording>(
    `SELECT id, conversation_id AS "conversationId", recording_state AS "recordingState",
            recording_url AS "recordingUrl" FROM calls WHERE id = $1`,
    [callId],
  );
  return row ?? null;
}
