import { commands } from 'vitest/browser';

/** A loopback coturn with TURN REST credentials, started by the browser command in vitest.browser.config.ts. */
export interface TestTurnServer {
  urls: string[];
  username: string;
  credential: string;
}

declare module 'vitest/browser' {
  interface BrowserCommands {
    startTurnServer: () => Promise<TestTurnServer | null>;
    stopTurnServer: () => Promise<void>;
  }
}

export const startTurnServer = (): Promise<TestTurnServer | null> => commands.startTurnServer();
export const stopTurnServer = (): Promise<void> => commands.stopTurnServer();
