/**
 * Which flow each server event of the call layer goes to: the ring's events and the signals to the ring
 * flow (which hands signals to the engine host), the news about participants to participantEvents.ts.
 */
import type { CallFlowParts } from './callFlowParts.ts';
import type { JoinFlow } from './joinFlow.ts';
import { subscribeParticipantEvents } from './participantEvents.ts';
import type { RingFlow } from './ringFlow.ts';
import { currentCall, dispatchCall } from './callContext.ts';

/** Returns the unsubscribes. */
export function routeServerEvents(parts: CallFlowParts, ring: RingFlow, join: JoinFlow): (() => void)[] {
  const { signaling } = parts.deps;
  return [
    signaling.on('call:incoming', (e) => ring.onIncoming(e)),
    signaling.on('call:offer', (e) => ring.onSignal({ kind: 'offer', event: e })),
    signaling.on('call:answer', (e) => ring.onSignal({ kind: 'answer', event: e })),
    signaling.on('call:ice-candidate', (e) => ring.onSignal({ kind: 'ice', event: e })),
    signaling.on('call:topology', (e) => {
      if (currentCall(parts.ctx, e.callId)) {
        dispatchCall(parts.ctx, { type: 'topology-changed', callId: e.callId, topology: e.topology });
      }
      ring.onSignal({ kind: 'topology', event: e });
    }),
    signaling.on('call:sfu-offer', (e) => ring.onSignal({ kind: 'sfu-offer', event: e })),
    signaling.on('call:ended', (e) => ring.onEnded(e)),
    signaling.on('call:handled-elsewhere', (e) => ring.onHandledElsewhere(e)),
    ...subscribeParticipantEvents(signaling, parts.ctx, {
      sync: (callId) => void join.sync(callId),
      announceMissed: (incoming) => ring.announceMissed(incoming),
    }),
  ];
}
