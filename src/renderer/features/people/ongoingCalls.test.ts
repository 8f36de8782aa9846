import { describe, expect, it, vi } from 'vitest';
import type { ConversationDto, OngoingCallDto } from '../../../shared/protocol/index.ts';
import type { ConnectionStatus } from '../../store/session.slice.ts';
import { createAppStore } from '../../store/appStore.ts';
import { BOB, CAROL, CONVERSATION, ME } from '../../store/testFixtures.ts';
import { followOngoingCalls } from './ongoingCalls.ts';
import { joinableCalls, peopleInCall } from './OngoingCallBanner.tsx';

const OTHER = '20000000-0000-4000-8000-000000000002';
const ongoing = (conversationId: string, joined: string[]): OngoingCallDto => ({
  callId:
    conversationId === CONVERSATION
      ? '10000000-0000-4000-8000-000000000001'
      : '10000000-0000-4000-8000-000000000002',
  conversationId,
  type: 'video',
  status: 'active',
  initiatedBy: BOB,
  startedAt: null,
  joinedUserIds: joined,
});
const group = (id: string): ConversationDto => ({
  id,
  title: 'Team',
  isGroup: true,
  members: [],
  createdAt: '2025-01-01T00:00:00.000Z',
});

describe('ongoing group calls', () => {
  it('loads the list whenever the socket is online and follows conversation:call in between', async () => {
    const store = createAppStore();
    let status: (s: ConnectionStatus) => void = () => {};
    let event: (e: { conversationId: string; call: OngoingCallDto | null }) => void = () => {};
    const api = { ongoingCalls: vi.fn(async () => ({ calls: [ongoing(CONVERSATION, [BOB])] })) };
    const signaling = {
      on: (_: string, listener: typeof event) => ((event = listener), () => {}),
      onStatus: (listener: typeof status) => ((status = listener), () => {}),
    } as never;
    followOngoingCalls(api, signaling, store);
    status('online');
    await vi.waitFor(() => expect(Object.keys(store.getState().groupCall.ongoing)).toEqual([CONVERSATION]));
    event({ conversationId: OTHER, call: ongoing(OTHER, [CAROL]) });
    event({ conversationId: CONVERSATION, call: null });
    expect(Object.keys(store.getState().groupCall.ongoing)).toEqual([OTHER]);
    status('connecting');
    status('online');
    expect(api.ongoingCalls).toHaveBeenCalledTimes(2);
  });

  it('the banner offers the calls I am not in, with how many people are in them', () => {
    const calls = { [CONVERSATION]: ongoing(CONVERSATION, [BOB, CAROL, ME]), [OTHER]: ongoing(OTHER, [BOB]) };
    const joinable = joinableCalls(calls, [group(CONVERSATION), group(OTHER)], ME);
    expect(joinable.map((j) => j.conversation.id)).toEqual([OTHER]);
    expect(peopleInCall(calls[CONVERSATION]!)).toBe('3 people');
    expect(peopleInCall(calls[OTHER]!)).toBe('1 person');
  });
});
