import { defineConfig } from 'vitest/config';
import { TEST_HANG_GUARD_MS } from './test/support/hang-guard.js';

// The container tests (test/docker/): a real Docker engine, images built with the legacy builder.
// One file at a time: each builds images and the engine is shared.
export default defineConfig({
  test: {
    include: ['test/docker/**/*.test.ts'],
    testTimeout: TEST_HANG_GUARD_MS * 2,
    hookTimeout: TEST_HANG_GUARD_MS * 2,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
