import type { ConversationDto, UserDto } from '../../../src/shared/protocol/index.ts';
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

/** The key of a 1:1 conversation: the same whichever of the two users starts it (byte order, as in SQL). */
export function directConversationKey(userA: string, userB: string): string {
  return userA < userB ? `${userA}:${userB}` : `${userB}:${userA}`;
}

async function insertMembers(
  q: Queryable,
  conversationId: string,
  memberIds: readonly string[],
): Promise<void> {
  await q.query(
    `INSERT INTO conversation_members (conversation_id, user_id)
     SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`,
    [conversationId, memberIds],
  );
}

export async function insertGroupConversation(
  q: Queryable,
  params: { createdBy: string; title: string | null; memberIds: readonly string[] },
): Promise<string> {
  const [row] = await q.query<{ id: string }>(
    'INSERT INTO conversations (title, is_group, created_by) VALUES ($1, TRUE, $2) RETURNING id',
    [params.title, params.createdBy],
  );
  await insertMembers(q, row!.id, params.memberIds);
  return row!.id;
}

/**
 * The 1:1 conversation of two users, created on first use. The unique direct_key makes a concurrent second
 * insert wait for the first and then find its row, so both callers get the same conversation.
 */
export async function findOrCreateDirectConversation(
  q: Queryable,
  createdBy: string,
  otherUserId: string,
): Promise<{ id: string; created: boolean }> {
  const key = directConversationKey(createdBy, otherUserId);
  const [inserted] = await q.query<{ id: string }>(
    `INSERT INTO conversations (title, is_group, created_by, direct_key) VALUES (NULL, FALSE, $1, $2)
     ON CONFLICT (direct_key) WHERE direct_key IS NOT NULL DO NOTHING RETURNING id`,
    [createdBy, key],
  );
  if (inserted) {
    await insertMembers(q, inserted.id, [createdBy, otherUserId]);
    return { id: inserted.id, created: true };
  }
  const [existing] = await q.query<{ id: string }>('SELECT id FROM conversations WHERE direct_key = $1', [
    key,
  ]);
  return { id: existing!.id, created: false };
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
