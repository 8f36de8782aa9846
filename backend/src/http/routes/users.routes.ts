import type { FastifyInstance } from 'fastify';
import {
  ListUsersQuery,
  type ListUsersResponse,
  type MeResponse,
} from '../../../../src/shared/protocol/index.ts';
import type { Queryable } from '../../db/db.ts';
import { findUserById, searchUsers } from '../../db/users.repo.ts';
import { AppError, parseInput } from '../../errors.ts';

export function usersRoutes(app: FastifyInstance, db: Queryable): void {
  app.get('/api/users/me', async (request): Promise<MeResponse> => {
    const user = await findUserById(db, request.userId);
    // A valid token for a deleted account.
    if (user === null) throw new AppError('unauthorized', 'this account no longer exists');
    return { user };
  });

  app.get('/api/users', async (request): Promise<ListUsersResponse> => {
    const query = parseInput(ListUsersQuery, request.query, 'query');
    return {
      users: await searchUsers(db, { excludeId: request.userId, query: query.query, limit: query.limit }),
    };
  });
}
