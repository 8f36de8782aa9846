import type { StateCreator } from 'zustand/vanilla';
import type { ConversationDto, UserDto } from '../../shared/protocol/index.ts';
import type { AppState } from './appStore.ts';

/** People I can call and my conversations (1:1 and groups), newest conversation first. */
export interface DirectoryState {
  users: UserDto[];
  conversations: ConversationDto[];
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
}

export interface DirectorySlice {
  directory: DirectoryState;
  directoryLoading(): void;
  directoryLoaded(users: UserDto[], conversations: ConversationDto[]): void;
  directoryFailed(message: string): void;
  conversationSaved(conversation: ConversationDto): void;
}

export const createDirectorySlice: StateCreator<AppState, [], [], DirectorySlice> = (set) => ({
  directory: { users: [], conversations: [], status: 'idle', error: null },
  directoryLoading: () => set((s) => ({ directory: { ...s.directory, status: 'loading', error: null } })),
  directoryLoaded: (users, conversations) =>
    set({ directory: { users, conversations, status: 'ready', error: null } }),
  directoryFailed: (message) =>
    set((s) => ({ directory: { ...s.directory, status: 'error', error: message } })),
  conversationSaved: (conversation) =>
    set((s) => ({
      directory: {
        ...s.directory,
        conversations: [conversation, ...s.directory.conversations.filter((c) => c.id !== conversation.id)],
      },
    })),
});

/** The existing 1:1 conversation with `userId`, so calling someone twice does not create a second one. */
export function findDirectConversation(
  conversations: ConversationDto[],
  selfId: string,
  userId: string,
): ConversationDto | undefined {
  return conversations.find(
    (c) =>
      !c.isGroup &&
      c.members.length === 2 &&
      c.members.some((m) => m.id === userId) &&
      c.members.some((m) => m.id === selfId),
  );
}

/** A group's title, or the other members' names. */
export function conversationTitle(conversation: ConversationDto, selfId: string): string {
  if (conversation.title) return conversation.title;
  const others = conversation.members.filter((m) => m.id !== selfId).map((m) => m.name);
  return others.length > 0 ? others.join(', ') : 'Just you';
}
