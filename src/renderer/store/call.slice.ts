import type { StateCreator } from 'zustand/vanilla';
import type { AppState } from './appStore.ts';
import { callReducer, initialCallState } from './call.reducer.ts';
import type { CallAction, CallState } from './call.reducer.ts';

export interface CallSlice {
  call: CallState;
  dispatchCall(action: CallAction): void;
}

export const createCallSlice: StateCreator<AppState, [], [], CallSlice> = (set) => ({
  call: initialCallState,
  dispatchCall: (action) =>
    set((s) => {
      const call = callReducer(s.call, action);
      // Unchanged state: keep the same object so subscribers do not re-render on every quality tick.
      return call === s.call ? s : { call };
    }),
});
