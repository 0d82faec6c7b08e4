import { defineConfig } from 'vitest/config';
import { TEST_HANG_GUARD_MS } from './test/support/hang-guard.js';

export default defineConfig({
  test: {
    // Hang guards, not speed limits (see test/support/hang-guard.ts).
    testTimeout: TEST_HANG_GUARD_MS,
    hookTimeout: TEST_HANG_GUARD_MS,
    // Two cores, but integration tests spend much of their time waiting on git, makepkg and servers:
    // three files at a time took the suite from 708 s to 487 s on the 2-core machine.
    pool: 'forks',
    maxWorkers: 3,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
          // In-memory unit tests share no state between files (`npm run test:unit` has always run them
          // so): one worker imports src/ once instead of once per file, 74 times.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          // The container tests need a Docker engine and minutes of image builds: `npm run test:docker`.
          exclude: ['test/docker/**', '**/node_modules/**'],
          // Hashes the tests' fixed password once for the run (see test/support/accounts.ts).
          globalSetup: ['test/support/global-setup.ts'],
          // Each file still gets its own temp dirs, ports and servers, and none changes process-wide state
          // for good; sharing a worker's module cache skips importing src/ once per file (the suite on a
          // quiet 2-core machine: 10:00 → 8:34 wall, 981 → 918 CPU-s).
          isolate: false,
        },
      },
    ],
  },
});
