import { commands } from 'vitest/browser';
import type { TurnCredentialsResponse } from '../../../shared/protocol/index.ts';

/** A loopback coturn with TURN REST credentials, started by the browser command in vitest.browser.config.ts. */
export type TestTurnServer = NonNullable<TurnCredentialsResponse['credentials']>;

declare module 'vitest/browser' {
  interface BrowserCommands {
    startTurnServer: () => Promise<TestTurnServer | null>;
    stopTurnServer: () => Promise<void>;
  }
}

export const startTurnServer = (): Promise<TestTurnServer | null> => commands.startTurnServer();
export const stopTurnServer = (): Promise<void> => commands.stopTurnServer();
