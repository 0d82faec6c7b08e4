/**
 * Benchmark sizes, read from the environment so a quick run (AURGATE_BENCH_PACKAGES=50) and the
 * default run use the same code. Everything else (sync concurrency, timeouts) comes from aurgate's own
 * config, so the benchmark measures what a default install does.
 */
export const BENCH_NAMES = ['sync', 'rpc', 'clones', 'hostile', 'serving', 'review', 'replica'] as const;
export type BenchName = (typeof BENCH_NAMES)[number];

export interface BenchSettings {
  /** Upstream packages mirrored, approved and served. */
  packages: number;
  /** Commits in each upstream repo (AUR repos carry some history; fetches pack all of it). */
  commits: number;
  /** The initial sync and its baseline run interleaved in this many chunks. */
  syncChunks: number;
  rpcConnections: number;
  rpcWarmupMs: number;
  rpcDurationMs: number;
  /** Distinct RPC request URLs the load generator cycles over. */
  rpcDistinctRequests: number;
  /** The RPC server's log level: the test harness's warn by default; info logs a line per request. */
  rpcLogLevel: 'warn' | 'info' | 'debug';
  clones: number;
  cloneRounds: number;
  /** How long RPC and clone latency are sampled on the idle server before the sync starts (serving). */
  servingIdleMs: number;
  /** Benchmarks to measure; the others' set-up still runs when a selected one needs it. */
  only: ReadonlySet<BenchName>;
  /** Also measure aurgate compiled by tsc (what bin/aurgate.js runs when dist/ exists). */
  compiled: boolean;
  /** Keep the temporary directory for inspection instead of removing it. */
  keep: boolean;
  /** Packages updated, classified and queued by the review benchmark (at most `packages`). */
  reviewPackages: number;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  return value;
}

function logLevel(raw: string | undefined): BenchSettings['rpcLogLevel'] {
  if (raw === undefined || raw === '') return 'info'; // aurgate's own default
  if (raw === 'warn' || raw === 'info' || raw === 'debug') return raw;
  throw new Error(`AURGATE_BENCH_RPC_LOG_LEVEL must be warn, info or debug, got ${JSON.stringify(raw)}`);
}

function readOnly(raw: string | undefined): ReadonlySet<BenchName> {
  if (raw === undefined || raw.trim() === '') return new Set(BENCH_NAMES);
  const names = raw.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(BENCH_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`AURGATE_BENCH_ONLY: unknown benchmark ${unknown.join(', ')} (known: ${BENCH_NAMES.join(', ')})`);
  return new Set(names as BenchName[]);
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const packages = intFrom(env, 'AURGATE_BENCH_PACKAGES', 1000, 1);
  return {
    packages,
    commits: intFrom(env, 'AURGATE_BENCH_COMMITS', 3, 1),
    syncChunks: Math.min(packages, intFrom(env, 'AURGATE_BENCH_SYNC_CHUNKS', 4, 1)),
    rpcConnections: intFrom(env, 'AURGATE_BENCH_RPC_CONNECTIONS', 64, 1),
    rpcWarmupMs: intFrom(env, 'AURGATE_BENCH_RPC_WARMUP_MS', 1000, 0),
    rpcDurationMs: intFrom(env, 'AURGATE_BENCH_RPC_DURATION_MS', 5000, 100),
    rpcDistinctRequests: intFrom(env, 'AURGATE_BENCH_RPC_REQUESTS', 1000, 1),
    rpcLogLevel: logLevel(env['AURGATE_BENCH_RPC_LOG_LEVEL']),
    // Clones name distinct packages, so there cannot be more clones than packages.
    clones: Math.min(packages, intFrom(env, 'AURGATE_BENCH_CLONES', 32, 1)),
    cloneRounds: intFrom(env, 'AURGATE_BENCH_CLONE_ROUNDS', 3, 1),
    servingIdleMs: intFrom(env, 'AURGATE_BENCH_SERVING_IDLE_MS', 15_000, 1000),
    only: readOnly(env['AURGATE_BENCH_ONLY']),
    compiled: env['AURGATE_BENCH_COMPILED'] !== '0',
    keep: env['AURGATE_BENCH_KEEP'] === '1',
    reviewPackages: Math.min(packages, intFrom(env, 'AURGATE_BENCH_REVIEW_PACKAGES', 500, 1)),
  };
}

export const SETTINGS_HELP = [
  'AURGATE_BENCH_PACKAGES (1000)  AURGATE_BENCH_COMMITS (3)  AURGATE_BENCH_SYNC_CHUNKS (4)',
  'AURGATE_BENCH_RPC_CONNECTIONS (64)  AURGATE_BENCH_RPC_WARMUP_MS (1000)  AURGATE_BENCH_RPC_DURATION_MS (5000)  AURGATE_BENCH_RPC_REQUESTS (1000)  AURGATE_BENCH_RPC_LOG_LEVEL (info)',
  'AURGATE_BENCH_CLONES (32)  AURGATE_BENCH_CLONE_ROUNDS (3)  AURGATE_BENCH_COMPILED (1)',
  'AURGATE_BENCH_SERVING_IDLE_MS (15000)',
  'AURGATE_BENCH_REVIEW_PACKAGES (500)',
  'AURGATE_BENCH_REPLICA_PACKAGES (100)  AURGATE_BENCH_REPLICA_DECISIONS (10)  AURGATE_BENCH_REPLICA_POLL_MS (100)',
  'AURGATE_BENCH_ONLY (sync,rpc,clones,hostile,serving,review,replica)  AURGATE_BENCH_KEEP (0)  AURGATE_SYNC_CONCURRENCY (8, aurgate config)',
].join('\n');
