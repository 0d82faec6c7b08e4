import { execFile, fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../src/config.js';
import { fmtMs, type Report } from './report.js';
import { REPO_ROOT, freePort, median, memoryOf, progress, runGit, timed, waitForPort } from './processes.js';

interface Server {
  label: string;
  child: ChildProcess;
  url: (pkgbase: string) => string;
  startMs: number;
}

const MINIMAL = fileURLToPath(new URL('./minimal-git-http.ts', import.meta.url));
/** Where the compiled build goes (bench/.gitignore): dist/ belongs to the build, not to the bench. */
const BUILD_DIR = path.join(REPO_ROOT, 'bench/.build');
const alive = (child: ChildProcess) => (): boolean => child.exitCode === null && child.signalCode === null;
const baseEnv = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' };

/** Ends exactly the process we started: SIGTERM (graceful), SIGKILL after 10 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (!alive(child)()) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** `aurgate serve --no-schedule` as its own process on the bench data dir, as an operator runs it. */
async function startAurgate(label: string, entry: string, config: Config, env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [entry, 'serve', '--no-schedule'], {
    cwd: REPO_ROOT,
    env: { ...baseEnv, ...env, AURGATE_DATA_DIR: config.dataDir, AURGATE_PORT: String(port), AURGATE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const started = await timed(() => waitForPort(port, 120_000, alive(child)));
  return { label, child, url: (pkgbase) => `http://127.0.0.1:${port}/${pkgbase}.git`, startMs: started.ms };
}

async function startMinimal(servedRoot: string): Promise<Server> {
  const child = fork(MINIMAL, [servedRoot], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const started = await timed(
    () => new Promise<number>((resolve) => child.once('message', (message) => resolve((message as { port: number }).port))),
  );
  return { label: 'minimal node smart HTTP', child, url: (pkgbase) => `http://127.0.0.1:${started.value}/${pkgbase}.git`, startMs: started.ms };
}

async function startGitDaemon(servedRoot: string): Promise<Server> {
  const port = await freePort();
  const child = spawn('git', ['daemon', '--export-all', `--base-path=${servedRoot}`, '--reuseaddr', `--port=${port}`, '--listen=127.0.0.1'], {
    env: { ...baseEnv, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
    // The readiness probe connects and hangs up, which the daemon's upload-pack reports on stderr.
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const started = await timed(() => waitForPort(port, 10_000, alive(child)));
  return { label: 'git daemon', child, url: (pkgbase) => `git://127.0.0.1:${port}/${pkgbase}.git`, startMs: started.ms };
}

/** tsc of src/ into bench/.build, i.e. what bin/aurgate.js runs when dist/ exists; null if it fails. */
async function compile(): Promise<string | null> {
  const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  await new Promise<void>((resolve) => {
    // Type errors elsewhere in a tree being edited still emit JavaScript, so the exit code is ignored.
    execFile(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR], { cwd: REPO_ROOT }, () => resolve());
  });
  const main = path.join(BUILD_DIR, 'src/main.js');
  return existsSync(main) ? main : null;
}

export interface Batch {
  ms: number;
  failed: number;
  firstError: string | null;
}

/** Clones every package at once: the wall time of the whole batch, and how many clones failed (a fast failure is no speed). */
export async function cloneAll(server: Pick<Server, 'url'>, pkgbases: readonly string[], into: string): Promise<Batch> {
  await rm(into, { recursive: true, force: true });
  await mkdir(into, { recursive: true });
  const run = await timed(() =>
    Promise.allSettled(pkgbases.map((pkgbase) => runGit(['clone', '--quiet', server.url(pkgbase), path.join(into, pkgbase)], into))),
  );
  await rm(into, { recursive: true, force: true });
  const failures = run.value.flatMap((outcome) => (outcome.status === 'rejected' ? [String(outcome.reason)] : []));
  return { ms: run.ms, failed: failures.length, firstError: failures[0] ?? null };
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/**
 * Benchmark 3: N parallel `git clone` of N different served packages through aurgate's smart HTTP vs
 * `git daemon` serving the very same repos (median of alternating rounds), and aurgate's peak RSS.
 * Two more servers explain the figures: a minimal node:http smart-HTTP server (what HTTP and one
 * spawn per request cost by themselves) and aurgate compiled by tsc (what production runs).
 */
export async function benchClones(
  root: string,
  config: Config,
  env: Record<string, string>,
  pkgbases: readonly string[],
  rounds: number,
  compiled: boolean,
  report: Report,
): Promise<void> {
  const servers: Server[] = [];
  try {
    servers.push(await startAurgate('aurgate', path.join(REPO_ROOT, 'bin/aurgate.js'), config, env));
    const build = compiled ? await compile() : null;
    if (compiled && !build) report.note('compiled aurgate', 'skipped: tsc emitted no bench/.build/src/main.js');
    if (build) servers.push(await startAurgate('aurgate compiled', build, config, env));
    servers.push(await startMinimal(config.paths.servedRepos), await startGitDaemon(config.paths.servedRepos));
    const idle = new Map(servers.map((server) => [server.label, memoryOf(server.child.pid ?? 0)]));
    for (const server of servers.filter((s) => s.label.startsWith('aurgate'))) {
      report.note(`${server.label}: serve start-up (module load + start-up repair of every served repo)`, fmtMs(server.startMs));
    }
    const dir = path.join(root, 'clones');
    const times = new Map<string, number[]>(servers.map((server) => [server.label, []]));
    const failures = new Map<string, { failed: number; firstError: string | null }>(servers.map((s) => [s.label, { failed: 0, firstError: null }]));
    const tally = (server: Server, batch: Batch): number => {
      const entry = failures.get(server.label) ?? { failed: 0, firstError: null };
      failures.set(server.label, { failed: entry.failed + batch.failed, firstError: entry.firstError ?? batch.firstError });
      return batch.ms;
    };
    // One untimed round warms every server (JIT, page cache); then rounds alternate the servers.
    for (const server of servers) tally(server, await cloneAll(server, pkgbases, dir));
    for (let round = 1; round <= rounds; round += 1) {
      for (const server of servers) times.get(server.label)?.push(tally(server, await cloneAll(server, pkgbases, dir)));
      progress(`clones round ${round}: ${servers.map((s) => `${s.label} ${fmtMs(times.get(s.label)?.at(-1) ?? 0)}`).join(', ')}`);
    }
    const total = pkgbases.length * (rounds + 1);
    report.note('failed clones', servers.map((s) => `${s.label} ${failures.get(s.label)?.failed ?? 0} of ${total}`).join(', '));
    const failing = servers.filter((s) => (failures.get(s.label)?.failed ?? 0) > 0);
    for (const server of failing) {
      const { failed, firstError } = failures.get(server.label) ?? { failed: 0, firstError: null };
      report.error(
        `clones (${server.label})`,
        new Error(`${failed} of ${total} clones failed, so its times are not comparable; first: ${firstError}`),
      );
    }
    // A ratio against a side that failed clones compares failures, not speed: none is recorded.
    if (failing.length > 0) return;
    const medianOf = (label: string): number => median(times.get(label) ?? []);
    const daemon = medianOf('git daemon');
    const minimal = medianOf('minimal node smart HTTP');
    report.note('clone protocol', 'git default (protocol v2) everywhere: smart HTTP to aurgate and the minimal server, git:// to git daemon');
    report.note(
      'minimal node smart HTTP server (one upload-pack spawn per request, no framework)',
      `${fmtMs(minimal)}, ${(minimal / daemon).toFixed(2)}× git daemon: the cost of HTTP itself`,
    );
    for (const server of servers.filter((s) => s.label.startsWith('aurgate'))) {
      const value = medianOf(server.label);
      const suffix = server.label === 'aurgate' ? ' (bin/aurgate.js as this checkout runs it)' : ' (tsc build)';
      report.note(`${server.label} vs the minimal node server`, `${(value / minimal).toFixed(2)}× (what aurgate adds on top of HTTP)`);
      report.time(
        server.label === 'aurgate' ? 'clones' : 'clones.compiled',
        `${pkgbases.length} parallel clones, median of ${rounds}${suffix}`,
        value,
        daemon,
        'git daemon',
        1.3,
      );
      const before = idle.get(server.label);
      const after = memoryOf(server.child.pid ?? 0);
      if (!before || !after) continue;
      report.note(
        `${server.label} RSS`,
        `idle after start-up ${mb(before.rssBytes)}, after the clones ${mb(after.rssBytes)}, peak ${mb(after.peakBytes)}`,
      );
      report.ceiling(
        server.label === 'aurgate' ? 'rss.peak' : 'rss.peak.compiled',
        `peak RSS under clones${suffix}`,
        after.peakBytes / 2 ** 20,
        150,
        'VmHWM of the node process (git children not included)',
      );
    }
  } finally {
    for (const server of servers) await stop(server.child);
  }
}
