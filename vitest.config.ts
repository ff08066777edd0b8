import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tools/performance-monitoring/test/**/*.test.ts'],
    setupFiles: ['tools/performance-monitoring/test/support/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests spawn the CLI and start real servers; two cores, so keep the parallelism modest.
    maxWorkers: 2,
  },
});
