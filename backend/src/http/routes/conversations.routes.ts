import type { FastifyInstance } from 'fastify';
import {
  ConversationIdParams,
  CreateConversationRequest,
  type ConversationResponse,
  type ListConversationsResponse,
} from '../../../../src/shared/protocol/index.ts';
import {
  findConversation,
  findOrCreateDirectConversation,
  insertGroupConversation,
  listConversationsOf,
} from '../../db/conversations.repo.ts';
import type { Db } from '../../db/db.ts';
import { countExistingUsers } from '../../db/users.repo.ts';
import { AppError, parseInput } from '../../errors.ts';

export function conversationsRoutes(app: FastifyInstance, db: Db): void {
  app.post('/api/conversations', async (request, reply): Promise<ConversationResponse> => {
    const body = parseInput(CreateConversationRequest, request.body, 'body');
    const others = [...new Set(body.memberIds)].filter((id) => id !== request.userId);
    if (others.length === 0) {
      throw new AppError('bad_request', 'body.memberIds: add at least one other user', 'body.memberIds');
    }
    if ((await countExistingUsers(db, others)) !== others.length) {
      throw new AppError('not_found', 'body.memberIds: unknown user', 'body.memberIds');
    }
    const isGroup = others.length > 1 || body.title !== undefined;
    const { id, created } = isGroup
      ? {
          id: await db.transaction((tx) =>
            insertGroupConversation(tx, {
              createdBy: request.userId,
              title: body.title ?? null,
              memberIds: [request.userId, ...others],
            }),
          ),
          created: true,
        }
      : await db.transaction((tx) => findOrCreateDirectConversation(tx, request.userId, others[0]!));
    reply.code(created ? 201 : 200);
    return { conversation: (await findConversation(db, id))! };
  });

  app.get('/api/conversations', async (request): Promise<ListConversationsResponse> => ({
    conversations: await listConversationsOf(db, request.userId),
  }));

  app.get('/api/conversations/:conversationId', async (request): Promise<ConversationResponse> => {
    const { conversationId } = parseInput(ConversationIdParams, request.params, 'params');
    const conversation = await findConversation(db, conversationId);
    if (conversation === null) throw new AppError('not_found', 'conversation not found');
    if (!conversation.members.some((m) => m.id === request.userId)) {
      throw new AppError('forbidden', 'you are not a member of this conversation');
    }
    return { conversation };
  });
}
