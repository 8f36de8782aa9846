/** Read side of calls: one call, the call to rejoin, and the paginated history. */
import { z } from 'zod';
import type {
  CallDto,
  CallHistoryItemDto,
  ListCallsQuery,
  ListCallsResponse,
  OngoingCallDto,
} from '../../../src/shared/protocol.ts';
import { listHistory, type HistoryCursor } from '../db/callHistory.repo.ts';
import { findActiveCallId, findCall } from '../db/calls.repo.ts';
import { isConversationMember } from '../db/conversations.repo.ts';
import { listOngoingCallsOf } from '../db/ongoingCalls.repo.ts';
import type { Queryable } from '../db/db.ts';
import { listParticipants } from '../db/participants.repo.ts';
import { AppError } from '../errors.ts';
import { loadCallDto, toCallDto } from './callDtos.ts';

/**
 * The cursor is opaque to clients: base64url of the last row's (created_at with microseconds, id). A forged
 * one must still hold a time PostgreSQL can compare: it has no year 0 (error 22008), and calls are not older
 * than year 1.
 */
const CursorSchema = z.tuple([z.iso.datetime().refine((t) => !t.startsWith('0000')), z.uuid()]);

function encodeCursor(cursor: HistoryCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

function decodeCursor(text: string): HistoryCursor {
  try {
    const [createdAt, id] = CursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    return { createdAt, id };
  } catch {
    throw new AppError('bad_request', 'query.cursor: not a cursor returned by this API', 'query.cursor');
  }
}

export interface CallQueries {
  /** 404 for an unknown call, 403 unless a participant or a member of the call's conversation. */
  getCall(userId: string, callId: string): Promise<CallDto>;
  activeCall(userId: string): Promise<CallDto | null>;
  history(userId: string, query: ListCallsQuery): Promise<ListCallsResponse>;
  /** Extra: the open calls of the user's group conversations (joinable from the banner). */
  ongoingCalls(userId: string): Promise<OngoingCallDto[]>;
}

export function createCallQueries(db: Queryable): CallQueries {
  return {
    async getCall(userId, callId) {
      const call = await findCall(db, callId);
      if (call === null) throw new AppError('not_found', 'call not found');
      const participants = await listParticipants(db, [callId]);
      const allowed =
        participants.some((p) => p.userId === userId) ||
        (await isConversationMember(db, call.conversationId, userId));
      if (!allowed) throw new AppError('forbidden', "you are not a member of this call's conversation");
      return toCallDto(call, participants);
    },

    async activeCall(userId) {
      const callId = await findActiveCallId(db, userId);
      return callId === null ? null : loadCallDto(db, callId);
    },

    ongoingCalls: (userId) => listOngoingCallsOf(db, userId),

    async history(userId, query) {
      const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
      // One row more than asked tells whether a next page exists without a count query.
      const entries = await listHistory(db, {
        userId,
        missedOnly: query.filter === 'missed',
        after,
        limit: query.limit + 1,
      });
      const page = entries.slice(0, query.limit);
      const participants = await listParticipants(
        db,
        page.map((e) => e.call.id),
      );
      const calls = page.map(({ call, myStatus }): CallHistoryItemDto => ({
        ...toCallDto(call, participants),
        direction: call.initiatedBy === userId ? 'outgoing' : 'incoming',
        myStatus,
      }));
      const last = page.at(-1);
      const nextCursor =
        entries.length > query.limit && last !== undefined ? encodeCursor(last.cursor) : null;
      return { calls, nextCursor };
    },
  };
}
