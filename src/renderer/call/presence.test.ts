import { describe, expect, it } from 'vitest';
import { DEFAULT_MEDIA_STATE } from '../../shared/protocol/index.ts';
import type { CallState, CurrentCall, IncomingCall } from '../store/call.reducer.ts';
import { presenceOf } from './presence.ts';

const incoming: IncomingCall = {
  callId: '10000000-0000-4000-8000-000000000002',
  conversationId: '20000000-0000-4000-8000-000000000001',
  type: 'video',
  initiatedBy: '00000000-0000-4000-8000-000000000002',
  callerName: 'Bob',
  members: { order: [], byId: {} },
};
const current: CurrentCall = {
  callId: '10000000-0000-4000-8000-000000000001',
  conversationId: '20000000-0000-4000-8000-000000000001',
  type: 'audio',
  direction: 'outgoing',
  initiatedBy: '00000000-0000-4000-8000-000000000001',
  title: 'Carol',
  phase: 'active',
  startedAt: null,
  members: { order: [], byId: {} },
  local: DEFAULT_MEDIA_STATE,
  activeSpeakerId: null,
  mediaProblem: null,
  relayProblem: null,
  topology: 'mesh',
  recording: null,
};

describe('presenceOf', () => {
  it('is idle without calls, in-call with one, and ringing when a call waits for an answer', () => {
    const state = (patch: Partial<CallState>): CallState => ({
      selfId: null,
      current: null,
      incoming: null,
      ...patch,
    });
    expect(presenceOf(state({}))).toEqual({ state: 'idle' });
    expect(presenceOf(state({ current }))).toEqual({
      state: 'in-call',
      callId: current.callId,
      title: 'Carol',
    });
    expect(presenceOf(state({ current, incoming }))).toEqual({
      state: 'ringing',
      callId: incoming.callId,
      callerName: 'Bob',
      type: 'video',
    });
  });
});
