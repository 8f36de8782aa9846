import type { RestClient } from '../../signaling/restClient.ts';
import { errorMessage } from '../../signaling/restClient.ts';
import type { SignalingClient } from '../../signaling/socketClient.ts';
import type { AppStore } from '../../store/appStore.ts';

/**
 * Keeps the store's ongoing group calls current: the full list each time the socket comes (back) online,
 * since changes during an outage were not heard, and each `conversation:call` in between.
 */
export function followOngoingCalls(
  api: Pick<RestClient, 'ongoingCalls'>,
  signaling: Pick<SignalingClient, 'on' | 'onStatus'>,
  store: AppStore,
): () => void {
  const load = () =>
    api.ongoingCalls().then(
      ({ calls }) => store.getState().ongoingCallsLoaded(calls),
      (error: unknown) => console.warn(`calls: ongoing calls not loaded (${errorMessage(error)})`),
    );
  const unsubscribe = [
    signaling.on('conversation:call', (e) => store.getState().ongoingCallChanged(e.conversationId, e.call)),
    signaling.onStatus((status) => {
      if (status === 'online') void load();
    }),
  ];
  return () => unsubscribe.forEach((off) => off());
}
