import { randomBytes } from 'node:crypto';
import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import type { TurnCredentialsResponse } from './src/shared/protocol/index.ts';
import { issueTurnCredentials } from './backend/src/turn/turnCredentials.ts';
import type { TurnConfig } from './backend/src/turn/turnCredentials.ts';
import { isCoturnInstalled, startCoturn } from './backend/test/support/coturn.ts';
import type { RunningCoturn } from './backend/test/support/coturn.ts';
import { CHROMIUM_FLAGS, chromiumPath } from './e2e/support/fakeCamera.ts';

/**
 * Real WebRTC in real Chromium: the engine's *.browser.test.ts files run in a page of Debian's Chromium with
 * fake capture devices (camera, microphone and screen), so peer connections, codecs and stats are the
 * browser's own. `npm run test:browser`.
 */

let turnServer: RunningCoturn | null = null;

/**
 * Browser command (src/renderer/webrtc/testSupport/turnServer.ts): starts a loopback coturn on the production
 * config, as the backend suites do, and returns the credentials the backend would issue for it. Null where
 * coturn is not installed, except in CI, where that fails the run.
 */
async function startTurnServer(): Promise<TurnCredentialsResponse['credentials']> {
  if (!isCoturnInstalled()) {
    if (process.env.CI === 'true')
      throw new Error('turnserver (coturn) is required in CI but is not installed');
    return null;
  }
  await stopTurnServer();
  const secret = randomBytes(16).toString('hex');
  turnServer = await startCoturn({ secret });
  const { host, port } = turnServer;
  const config: TurnConfig = { host, port, tlsPort: null, secret, ttlSeconds: 3600, stunUrls: [] };
  return issueTurnCredentials(config, [], 'engine-test', new Date()).response.credentials;
}

async function stopTurnServer(): Promise<void> {
  const running = turnServer;
  turnServer = null;
  await running?.stop();
}

export default defineConfig({
  test: {
    include: ['src/renderer/**/*.browser.test.ts'],
    testTimeout: 60_000,
    // One page, one file at a time: two cores shared with the rest of the suite cannot encode more video.
    fileParallelism: false,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      commands: {
        startTurnServer: () => startTurnServer(),
        stopTurnServer: () => stopTurnServer(),
      },
      provider: playwright({
        launchOptions: { executablePath: chromiumPath, args: [...CHROMIUM_FLAGS] },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
