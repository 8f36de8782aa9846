import type { CallPresence, DesktopApi } from '../../shared/desktopApi.ts';
import type { AppStore } from '../store/appStore.ts';
import type { CallState } from '../store/call.reducer.ts';

/**
 * What the tray / tab shows. A ringing call wins over an ongoing one: it is the thing that needs the user's
 * attention now.
 */
export function presenceOf(call: CallState): CallPresence {
  if (call.incoming) {
    return {
      state: 'ringing',
      callId: call.incoming.callId,
      callerName: call.incoming.callerName.slice(0, 200),
      type: call.incoming.type,
    };
  }
  if (call.current)
    return { state: 'in-call', callId: call.current.callId, title: call.current.title.slice(0, 200) };
  return { state: 'idle' };
}

export function samePresence(a: CallPresence, b: CallPresence): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Presence follows the store: whatever changes the call state also updates tray, badge and title. Reports
 * the current presence at once; returns the unsubscribe.
 */
export function syncPresence(store: AppStore, desktop: Pick<DesktopApi, 'setCallPresence'>): () => void {
  let presence = presenceOf(store.getState().call);
  void desktop.setCallPresence(presence);
  return store.subscribe((state, prev) => {
    if (state.call === prev.call) return;
    const next = presenceOf(state.call);
    if (samePresence(next, presence)) return;
    presence = next;
    void desktop.setCallPresence(next);
  });
}
