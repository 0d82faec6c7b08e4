/**
 * Hang guards, not speed limits. The runner's timeouts (vitest.config.ts) and every child process a
 * test starts use these: on a loaded machine (a second copy of the suite, helpers building, two cores)
 * one makepkg build took over two minutes, and nothing in the suite measures speed. A child's guard
 * is a little shorter than the test's, so a hung child fails with its own output rather than a bare
 * test timeout.
 */
export const TEST_HANG_GUARD_MS = 600_000;
export const CHILD_HANG_GUARD_MS = TEST_HANG_GUARD_MS - 10_000;
