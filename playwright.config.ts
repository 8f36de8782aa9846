import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './e2e/support/fakeCamera.ts';

/**
 * Browser end-to-end tests: the real backend (spawned per worker or per spec) and Debian's Chromium with fake
 * camera, microphone and screen. One worker: each test already runs two or three browsers doing real-time
 * video on a 2-core machine, and parallel calls would only make timings flaky.
 */
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 120_000,
  expect: { timeout: 20_000 },
  workers: 1,
  fullyParallel: false,
  forbidOnly: process.env.CI === 'true',
  // One retry, and only in CI, until every spec has been shown to pass 10 runs in a row under load (the reload
  // mid-call flake, about 1 run in 4, was a double reconnect announcement, fixed; the other specs have not been
  // measured that way yet). A test that passes only on its retry is listed as "flaky" in the report, never as
  // passed, so it stays visible.
  retries: process.env.CI === 'true' ? 1 : 0,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs() },
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'web', testIgnore: /electron.*\.spec\.ts$/ },
    // The desktop helper's specs drive Electron itself; they launch their own app, not this Chromium.
    { name: 'electron', testMatch: /electron.*\.spec\.ts$/ },
  ],
});
