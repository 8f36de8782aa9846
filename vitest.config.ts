import { defineConfig } from 'vitest/config';

// Unit and integration tests that run in Node. Browser end-to-end specs live under e2e/ (Playwright).
export default defineConfig({
  test: {
    include: ['backend/**/*.test.ts', 'src/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'src/renderer/**/*.browser.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
