import type { AppStore } from '../store/appStore.ts';
import type { CallAction, CurrentCall } from '../store/call.reducer.ts';
import type { EngineHost } from './engineHost.ts';
import type { MediaRegistry } from './mediaRegistry.ts';

export type ToastTone = 'info' | 'success' | 'warning' | 'error';

/** What the parts of the call flow share: who I am, the store, the engine's host and the media on screen. */
export interface CallContext {
  readonly selfId: string;
  readonly store: AppStore;
  readonly host: EngineHost;
  readonly media: MediaRegistry;
}

/** The call on screen when it is `callId`. */
export function currentCall(ctx: CallContext, callId: string): CurrentCall | null {
  const call = ctx.store.getState().call.current;
  return call?.callId === callId ? call : null;
}

export function dispatchCall(ctx: CallContext, action: CallAction): void {
  ctx.store.getState().dispatchCall(action);
}

export function toast(ctx: CallContext, tone: ToastTone, text: string): void {
  ctx.store.getState().toastShown(tone, text);
}
