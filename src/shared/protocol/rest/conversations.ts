/** REST: conversations, whose members a call rings (the spec's calls.conversation_id). */
import { z } from 'zod';
import { IsoDateTime, MAX_CONVERSATION_MEMBERS, Text, Uuid } from '../primitives.ts';
import { UserDto } from './accounts.ts';

export const ConversationDto = z.object({
  id: Uuid,
  title: z.string().nullable(),
  isGroup: z.boolean(),
  members: z.array(UserDto),
  createdAt: IsoDateTime,
});
export type ConversationDto = z.infer<typeof ConversationDto>;

/** POST /api/conversations (201). The caller is always a member; 1 other member makes a 1:1 conversation. */
export const CreateConversationRequest = z.object({
  memberIds: z
    .array(Uuid)
    .min(1)
    .max(MAX_CONVERSATION_MEMBERS - 1),
  title: Text.trim().min(1).max(100).optional(),
});
export type CreateConversationRequest = z.infer<typeof CreateConversationRequest>;
export const ConversationResponse = z.object({ conversation: ConversationDto });
export type ConversationResponse = z.infer<typeof ConversationResponse>;

/** GET /api/conversations : mine, newest first. */
export const ListConversationsResponse = z.object({ conversations: z.array(ConversationDto) });
export type ListConversationsResponse = z.infer<typeof ListConversationsResponse>;

/** The path parameter of GET /api/conversations/:conversationId. */
export const ConversationIdParams = z.object({ conversationId: Uuid });
