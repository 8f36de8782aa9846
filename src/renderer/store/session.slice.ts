import type { StateCreator } from 'zustand/vanilla';
import type { UserDto } from '../../shared/protocol/index.ts';
import type { AppState } from './appStore.ts';
import { callReducer } from './call.reducer.ts';

/** offline: no socket; connecting: (re)connecting; online: signaling reachable, calls can ring here. */
export type ConnectionStatus = 'offline' | 'connecting' | 'online';

export interface SessionState {
  serverUrl: string | null;
  token: string | null;
  user: UserDto | null;
  connection: ConnectionStatus;
}

export interface SessionSlice {
  session: SessionState;
  signedIn(auth: { serverUrl: string; token: string; user: UserDto }): void;
  signedOut(): void;
  connectionChanged(connection: ConnectionStatus): void;
}

const signedOutState: SessionState = { serverUrl: null, token: null, user: null, connection: 'offline' };

export const createSessionSlice: StateCreator<AppState, [], [], SessionSlice> = (set) => ({
  session: signedOutState,
  // The call state learns who I am here, once, rather than from every call action.
  signedIn: ({ serverUrl, token, user }) =>
    set((s) => ({
      session: { ...s.session, serverUrl, token, user },
      call: callReducer(s.call, { type: 'session-started', selfId: user.id }),
    })),
  signedOut: () => set({ session: signedOutState }),
  connectionChanged: (connection) => set((s) => ({ session: { ...s.session, connection } })),
});
