import { test as base } from '@playwright/test';
import { startBackend } from './backend.ts';
import type { RunningBackend } from './backend.ts';

/** One backend per worker, shared by the specs that need no special configuration. */
export const test = base.extend<object, { backend: RunningBackend }>({
  backend: [
    // Playwright reads a fixture's dependencies from its first parameter, which must be a destructuring.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const backend = await startBackend();
      await use(backend);
      await backend.stop();
    },
    { scope: 'worker', timeout: 120_000 },
  ],
});

export { expect } from '@playwright/test';
