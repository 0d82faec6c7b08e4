import { ChildProcess } from 'node:child_process';

/**
 * Counts the processes this process starts, by command (git subcommand for git), while a counter is
 * active. Every child_process API (spawn, execFile, simple-git's spawn) goes through
 * ChildProcess.prototype.spawn, so one hook sees them all. Process start-up is the dominant cost of
 * a sync of small repos, so "spawns per package" explains most of a sync's time.
 */
interface SpawnOptions {
  file?: string;
  args?: readonly string[];
}
type SpawnMethod = (this: ChildProcess, options: SpawnOptions) => unknown;
const prototype = ChildProcess.prototype as unknown as { spawn: SpawnMethod };
const original = prototype.spawn;
let active: SpawnTally | null = null;

export interface SpawnTally {
  byCommand: Map<string, number>;
  /**
   * Milliseconds the event loop spent inside spawn() itself. libuv (1.46, node 20) starts a child
   * with a plain fork() on Linux, which copies the page tables of the whole process: the bigger the
   * process, the longer every spawn blocks everything else, whatever the concurrency.
   */
  blockedMs: number;
}

prototype.spawn = function (this: ChildProcess, options: SpawnOptions): unknown {
  if (!active) return original.call(this, options);
  const tally = active;
  const key = commandOf(options);
  tally.byCommand.set(key, (tally.byCommand.get(key) ?? 0) + 1);
  const start = performance.now();
  try {
    return original.call(this, options);
  } finally {
    tally.blockedMs += performance.now() - start;
  }
};

/** `git -c x=y --git-dir d fetch …` → `git fetch`. */
function commandOf(options: SpawnOptions): string {
  const args = options.args ?? [];
  const file = (options.file ?? args[0] ?? '?').split('/').pop() ?? '?';
  if (file !== 'git') return file;
  for (let i = 1; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '-c' || arg === '-C' || arg === '--git-dir') i += 1;
    else if (!arg.startsWith('-')) return `git ${arg}`;
  }
  return 'git';
}

export async function countSpawns<T>(fn: () => Promise<T>): Promise<{ value: T; spawns: SpawnTally }> {
  const spawns: SpawnTally = { byCommand: new Map(), blockedMs: 0 };
  active = spawns;
  try {
    return { value: await fn(), spawns };
  } finally {
    active = null;
  }
}

/** "16.0 per package (git config 7, …); 9.1 ms of blocked event loop each, 146 s in all". */
export function describeSpawns(spawns: SpawnTally, perItems: number): string {
  const total = [...spawns.byCommand.values()].reduce((sum, n) => sum + n, 0);
  if (total === 0) return 'none';
  const parts = [...spawns.byCommand]
    .sort((a, b) => b[1] - a[1])
    .map(([command, n]) => `${command} ${(n / perItems).toFixed(n % perItems === 0 ? 0 : 1)}`);
  const blocked = `spawn() blocked the event loop ${(spawns.blockedMs / total).toFixed(1)} ms per process, ${(spawns.blockedMs / 1000).toFixed(1)} s in all`;
  return `${(total / perItems).toFixed(1)} per package (${parts.join(', ')}); ${blocked}`;
}

export function emptyTally(): SpawnTally {
  return { byCommand: new Map(), blockedMs: 0 };
}

export function addTally(into: SpawnTally, from: SpawnTally): void {
  for (const [command, n] of from.byCommand) into.byCommand.set(command, (into.byCommand.get(command) ?? 0) + n);
  into.blockedMs += from.blockedMs;
}
