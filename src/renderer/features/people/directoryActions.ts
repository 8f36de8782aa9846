import type { ConversationDto } from '../../../shared/protocol/index.ts';
import type { RestClient } from '../../signaling/restClient.ts';
import { errorMessage } from '../../signaling/restClient.ts';
import type { AppStore } from '../../store/appStore.ts';
import { findDirectConversation } from '../../store/directory.slice.ts';

export async function loadDirectory(api: RestClient, store: AppStore): Promise<void> {
  store.getState().directoryLoading();
  try {
    const [{ users }, { conversations }] = await Promise.all([api.listUsers(), api.listConversations()]);
    store.getState().directoryLoaded(users, conversations);
  } catch (error) {
    store.getState().directoryFailed(errorMessage(error));
  }
}

/** The 1:1 conversation with `userId`, created on first use. */
export async function directConversationWith(
  api: RestClient,
  store: AppStore,
  selfId: string,
  userId: string,
): Promise<ConversationDto> {
  const existing = findDirectConversation(store.getState().directory.conversations, selfId, userId);
  if (existing) return existing;
  const { conversation } = await api.createConversation({ memberIds: [userId] });
  store.getState().conversationSaved(conversation);
  return conversation;
}

export async function createGroup(
  api: RestClient,
  store: AppStore,
  memberIds: string[],
  title: string,
): Promise<ConversationDto> {
  const trimmed = title.trim();
  const { conversation } = await api.createConversation({
    memberIds,
    ...(trimmed ? { title: trimmed } : {}),
  });
  store.getState().conversationSaved(conversation);
  return conversation;
}
