import type { UserDto } from '../../../src/shared/protocol/index.ts';
import type { Queryable } from './db.ts';

interface UserRow {
  id: string;
  name: string;
  email: string;
}
interface UserWithHashRow extends UserRow {
  password_hash: string;
}

const UNIQUE_VIOLATION = '23505';

const toDto = (row: UserRow): UserDto => ({ id: row.id, name: row.name, email: row.email });

/** Emails are stored lowercased: the same address can never register twice in different case. */
export async function insertUser(
  q: Queryable,
  user: { email: string; name: string; passwordHash: string },
): Promise<UserDto | null> {
  try {
    const [row] = await q.query<UserRow>(
      'INSERT INTO users (email, name, password_hash) VALUES (lower($1), $2, $3) RETURNING id, name, email',
      [user.email, user.name, user.passwordHash],
    );
    return row ? toDto(row) : null;
  } catch (err) {
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) return null;
    throw err;
  }
}

export async function findUserWithHashByEmail(
  q: Queryable,
  email: string,
): Promise<(UserDto & { passwordHash: string }) | null> {
  const [row] = await q.query<UserWithHashRow>(
    'SELECT id, name, email, password_hash FROM users WHERE email = lower($1)',
    [email],
  );
  return row ? { ...toDto(row), passwordHash: row.password_hash } : null;
}

export async function findUserById(q: Queryable, id: string): Promise<UserDto | null> {
  const [row] = await q.query<UserRow>('SELECT id, name, email FROM users WHERE id = $1', [id]);
  return row ? toDto(row) : null;
}

export async function userExists(q: Queryable, id: string): Promise<boolean> {
  return (await q.query('SELECT 1 FROM users WHERE id = $1', [id])).length > 0;
}

export async function countExistingUsers(q: Queryable, ids: readonly string[]): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM users WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return row?.n ?? 0;
}

/** Everyone but `excludeId`, optionally filtered by a case-insensitive substring of name or email. */
export async function searchUsers(
  q: Queryable,
  params: { excludeId: string; query: string | undefined; limit: number },
): Promise<UserDto[]> {
  const pattern = params.query === undefined ? null : `%${params.query.replace(/[\\%_]/g, '\\$&')}%`;
  const rows = await q.query<UserRow>(
    `SELECT id, name, email FROM users
     WHERE id <> $1 AND ($2::text IS NULL OR name ILIKE $2 OR email ILIKE $2)
     ORDER BY name, id LIMIT $3`,
    [params.excludeId, pattern, params.limit],
  );
  return rows.map(toDto);
}
