import { defineConfig } from 'vitest/config';
import { TEST_HANG_GUARD_MS } from './test/support/hang-guard.js';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
    // Hang guards, not speed limits (see test/support/hang-guard.ts).
    testTimeout: TEST_HANG_GUARD_MS,
    hookTimeout: TEST_HANG_GUARD_MS,
    // Two cores: integration tests spawn git and servers, so run files two at a time.
    pool: 'forks',
    maxWorkers: 2,
  },
});
