import type { ConversationDto, UserDto } from '../../../src/shared/protocol.ts';
import type { Queryable } from './db.ts';

interface ConversationRow {
  id: string;
  title: string | null;
  is_group: boolean;
  created_at: Date;
  members: UserDto[];
}

/** Members aggregated in the same query, ordered by name so every client lists them alike. */
const SELECT_CONVERSATIONS = `
  SELECT c.id, c.title, c.is_group, c.created_at,
         (SELECT json_agg(json_build_object('id', u.id, 'name', u.name, 'email', u.email) ORDER BY u.name, u.id)
            FROM conversation_members m JOIN users u ON u.id = m.user_id
           WHERE m.conversation_id = c.id) AS members
    FROM conversations c`;

const toDto = (row: ConversationRow): ConversationDto => ({
  id: row.id,
  title: row.title,
  isGroup: row.is_group,
  members: row.members,
  createdAt: row.created_at.toISOString(),
});

export async function insertConversation(
  q: Queryable,
  params: { createdBy: string; title: string | null; isGroup: boolean; memberIds: readonly string[] },
): Promise<string> {
  const [row] = await q.query<{ id: string }>(
    'INSERT INTO conversations (title, is_group, created_by) VALUES ($1, $2, $3) RETURNING id',
    [params.title, params.isGroup, params.createdBy],
  );
  const id = row!.id;
  await q.query(
    `INSERT INTO conversation_members (conversation_id, user_id)
     SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`,
    [id, params.memberIds],
  );
  return id;
}

/** The existing 1:1 conversation between two users, so that starting a chat twice does not duplicate it. */
export async function findDirectConversationId(
  q: Queryable,
  userA: string,
  userB: string,
): Promise<string | null> {
  const [row] = await q.query<{ id: string }>(
    `SELECT c.id FROM conversations c
      WHERE NOT c.is_group
        AND EXISTS (SELECT 1 FROM conversation_members WHERE conversation_id = c.id AND user_id = $1)
        AND EXISTS (SELECT 1 FROM conversation_members WHERE conversation_id = c.id AND user_id = $2)
      ORDER BY c.created_at LIMIT 1`,
    [userA, userB],
  );
  return row?.id ?? null;
}

export async function findConversation(q: Queryable, id: string): Promise<ConversationDto | null> {
  const [row] = await q.query<ConversationRow>(`${SELECT_CONVERSATIONS} WHERE c.id = $1`, [id]);
  return row ? toDto(row) : null;
}

export async function listConversationsOf(q: Queryable, userId: string): Promise<ConversationDto[]> {
  const rows = await q.query<ConversationRow>(
    `${SELECT_CONVERSATIONS}
     WHERE c.id IN (SELECT conversation_id FROM conversation_members WHERE user_id = $1)
     ORDER BY c.created_at DESC, c.id DESC`,
    [userId],
  );
  return rows.map(toDto);
}

export async function isConversationMember(
  q: Queryable,
  conversationId: string,
  userId: string,
): Promise<boolean> {
  const rows = await q.query(
    'SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND user_id = $2',
    [conversationId, userId],
  );
  return rows.length > 0;
}
