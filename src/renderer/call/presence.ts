import type { CallPresence } from '../../shared/desktopApi.ts';
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
