import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
    // Hang guards, not speed limits: on a loaded machine (two suites on two cores, or more) a makepkg
    // run or a test's setup took well over a minute, and nothing here measures speed.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Two cores: integration tests spawn git and servers, so run files two at a time.
    pool: 'forks',
    maxWorkers: 2,
  },
});
