import { randomUUID } from 'node:crypto';
import type { CallControl } from './callFlow.ts';

/** Call control against the bare relay (bareRelay.ts): socket events instead of the backend's REST calls. */
export const bareCallControl: CallControl = {
  async initiate({ caller, callee }) {
    const callId = randomUUID();
    await caller.client.emit('bare:initiate', { callId, targetUserId: callee.client.userId });
    return callId;
  },
  async answer({ caller, callee }, callId) {
    await callee.client.emit('bare:answer', { callId, targetUserId: caller.client.userId });
  },
  async end({ caller, callee }, callId) {
    await caller.client.emit('bare:end', { callId, targetUserId: callee.client.userId });
  },
};
