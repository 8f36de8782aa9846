import type { StateCreator } from 'zustand/vanilla';
import type { OngoingCallDto, Reaction } from '../../shared/protocol/index.ts';
import type { AppState } from './appStore.ts';

/** A reaction on someone's tile; `id` tells a repeat of the same emoji from the one it replaces. */
export interface ShownReaction {
  reaction: Reaction;
  id: number;
}

/**
 * Extra: what group calls show beyond the call itself. `ongoing`: the open calls of my group conversations
 * (banner, rows), by conversation. `hands` and `reactions`: the raised-hand queue (oldest first) and the
 * reactions on screen now, of my current call only.
 */
export interface GroupCallState {
  ongoing: Record<string, OngoingCallDto>;
  floorCallId: string | null;
  hands: string[];
  reactions: Record<string, ShownReaction>;
}

export interface GroupCallSlice {
  groupCall: GroupCallState;
  ongoingCallsLoaded(calls: OngoingCallDto[]): void;
  ongoingCallChanged(conversationId: string, call: OngoingCallDto | null): void;
  /** A new call (or none): its hands and reactions start from scratch. */
  floorOpened(callId: string | null): void;
  handsChanged(callId: string, userIds: string[]): void;
  reactionShown(callId: string, userId: string, shown: ShownReaction): void;
  /** Only the reaction it was shown for goes: a newer one from the same person stays its full time. */
  reactionExpired(userId: string, id: number): void;
}

export const createGroupCallSlice: StateCreator<AppState, [], [], GroupCallSlice> = (set) => ({
  groupCall: { ongoing: {}, floorCallId: null, hands: [], reactions: {} },
  ongoingCallsLoaded: (calls) =>
    set((s) => ({
      groupCall: { ...s.groupCall, ongoing: Object.fromEntries(calls.map((c) => [c.conversationId, c])) },
    })),
  ongoingCallChanged: (conversationId, call) =>
    set((s) => {
      const { [conversationId]: _previous, ...others } = s.groupCall.ongoing;
      return {
        groupCall: { ...s.groupCall, ongoing: call ? { ...others, [conversationId]: call } : others },
      };
    }),
  floorOpened: (callId) =>
    set((s) =>
      s.groupCall.floorCallId === callId
        ? s
        : { groupCall: { ...s.groupCall, floorCallId: callId, hands: [], reactions: {} } },
    ),
  handsChanged: (callId, userIds) =>
    set((s) => (s.groupCall.floorCallId === callId ? { groupCall: { ...s.groupCall, hands: userIds } } : s)),
  reactionShown: (callId, userId, shown) =>
    set((s) =>
      s.groupCall.floorCallId === callId
        ? { groupCall: { ...s.groupCall, reactions: { ...s.groupCall.reactions, [userId]: shown } } }
        : s,
    ),
  reactionExpired: (userId, id) =>
    set((s) => {
      if (s.groupCall.reactions[userId]?.id !== id) return s;
      const { [userId]: _gone, ...rest } = s.groupCall.reactions;
      return { groupCall: { ...s.groupCall, reactions: rest } };
    }),
});
