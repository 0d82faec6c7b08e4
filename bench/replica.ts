import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUser } from '../src/accounts/users.js';
import { loadConfig } from '../src/config.js';
import { Aurgate } from '../src/compose.js';
import { createLogger } from '../src/log.js';
import { listPendingRevisions } from '../src/quarantine/revisions.js';
import { allowAll, benchReviewer } from './approve.js';
import type { LoadRequest, LoadResult } from './load-client.js';
import { freePort, median, progress, REPO_ROOT, runGit, timed } from './processes.js';
import { fmtMs, type Report } from './report.js';
import type { BenchSettings } from './settings.js';
import { startUpstream } from './upstream.js';

const LOAD_CLIENT = fileURLToPath(new URL('./load-client.ts', import.meta.url));

interface Node {
  url: string;
  port: number;
  child: ChildProcess;
}

/** `aurgate serve` as its own process (the primary, or a replica with `--replica-of`); resolves once it serves. */
async function startNode(env: Record<string, string>, args: string[] = []): Promise<Node> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src/main.ts'), 'serve', '--no-schedule', ...args], {
    cwd: REPO_ROOT,
    // Info level: the node's URL is read from its "aurgate serving" line.
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env, AURGATE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let logs = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      logs = (logs + chunk.toString()).slice(-200_000);
      const line = logs.split('\n').find((text) => text.includes('"msg":"aurgate serving"'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`aurgate serve exited (${code}):\n${logs.slice(-4000)}`)));
  });
  return { url, port: Number(new URL(url).port), child };
}

async function stopNode(node: Node | undefined): Promise<void> {
  if (!node || node.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => node.child.once('exit', () => resolve()));
  node.child.kill('SIGTERM');
  await exited;
}

async function applied(node: Node): Promise<number> {
  const body = (await (await fetch(`${node.url}/readyz`)).json()) as { replica?: { appliedEntries: number } };
  return body.replica?.appliedEntries ?? 0;
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function runLoad(request: LoadRequest): Promise<LoadResult> {
  const child = fork(LOAD_CLIENT, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise<LoadResult>((resolve, reject) => {
    child.once('message', (message) => resolve(message as LoadResult));
    child.once('exit', (code) => code !== 0 && reject(new Error(`load client exited with code ${code}`)));
    child.send(request);
  });
}

/** The same load over `nodes` (connections split evenly), every generator at once; figures summed. */
async function loadOver(
  nodes: readonly Node[],
  paths: string[],
  settings: BenchSettings,
): Promise<{ rps: number; errors: number; requests: number; p99: number }> {
  const connections = Math.max(1, Math.floor(settings.rpcConnections / nodes.length));
  const results = await Promise.all(
    nodes.map((node) => runLoad({ port: node.port, paths, connections, warmupMs: settings.rpcWarmupMs, durationMs: settings.rpcDurationMs })),
  );
  return {
    rps: results.reduce((sum, result) => sum + result.requestsPerSecond, 0),
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    requests: results.reduce((sum, result) => sum + result.requests, 0),
    p99: Math.max(...results.map((result) => result.p99Ms)),
  };
}

/** `count` clones, `parallel` at a time, spread round-robin over the nodes; wall time and failures. */
async function clonesOver(nodes: readonly Node[], names: readonly string[], count: number, dir: string): Promise<{ ms: number; failed: number }> {
  let failed = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const node = nodes[i % nodes.length] as Node;
      const target = path.join(dir, `${i}-${Math.random().toString(36).slice(2)}`);
      await runGit(['clone', '--quiet', `${node.url}/${names[i % names.length]}.git`, target], dir).catch(() => (failed += 1));
    }
  };
  const { ms } = await timed(() => Promise.all(Array.from({ length: 8 }, worker)));
  return { ms, failed };
}

/**
 * `AURGATE_BENCH_ONLY=replica`: a primary and two replicas as processes on this machine. (a) Replication
 * lag: each of K approvals and K revocations made on the primary, from the decision call until a replica
 * serves it, against the same decision served on the primary itself; (b) load: RPC and snapshot
 * requests (bounded time) and clones (bounded count) spread over the two replicas, against the same
 * load on the primary alone, in the same run, with errors counted. On one 2-core machine replicas share
 * the cores with the primary, so (b) shows the cost of verification-free serving, not a scale-out.
 */
export async function benchReplica(root: string, settings: BenchSettings, report: Report): Promise<void> {
  const count = Math.min(settings.packages, Number(process.env['AURGATE_BENCH_REPLICA_PACKAGES'] ?? 100));
  const decisions = Math.min(Math.floor(count / 2), Number(process.env['AURGATE_BENCH_REPLICA_DECISIONS'] ?? 10));
  const upstream = await startUpstream(path.join(root, 'upstream'), count, settings.commits);
  const port = await freePort();
  const env: Record<string, string> = {
    AURGATE_DATA_DIR: path.join(root, 'primary'),
    AURGATE_UPSTREAM_URL: upstream.url,
    AURGATE_PORT: String(port),
    AURGATE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    AURGATE_LOG_LEVEL: 'warn',
    AURGATE_REQUIRED_APPROVALS: '1',
  };
  const app = new Aurgate(loadConfig(env), createLogger('warn', { process: 'bench' }));
  let primary: Node | undefined;
  const replicas: Node[] = [];
  try {
    const names = upstream.packages.map((pkg) => pkg.pkgbase);
    allowAll(app, names);
    progress(`replica set-up: sync and approve ${count - decisions} of ${count} packages on the primary`);
    await app.sync({ trigger: 'cli' });
    const by = await benchReviewer(app);
    const pending = listPendingRevisions(app.db);
    const held = pending.slice(0, decisions);
    for (const revision of pending.slice(decisions)) await app.approve({ pkgbase: revision.pkgbase, commit: revision.commit, by });
    primary = await startNode(env);
    progress(`primary serving at ${primary.url}; starting two replicas`);
    const pollMs = process.env['AURGATE_BENCH_REPLICA_POLL_MS'] ?? '100';
    for (const name of ['one', 'two']) {
      const dir = path.join(root, `replica-${name}`);
      await mkdir(dir, { recursive: true });
      const replicaEnv = { AURGATE_DATA_DIR: dir, AURGATE_UPSTREAM_URL: 'http://127.0.0.1:9', AURGATE_PORT: '0', AURGATE_REPLICA_POLL_MS: pollMs };
      replicas.push(await startNode(replicaEnv, ['--replica-of', primary.url, '--trusted-key', app.trust.pinnedKeys().trim()]));
    }
    const catchUp = await timed(() => Promise.all(replicas.map((replica) => waitFor(async () => (await applied(replica)) >= app.trust.size()))));
    report.note(
      'replica: initial catch-up',
      `${app.trust.size()} entries (fetch, archive check, publish each) in ${fmtMs(catchUp.ms)} on both replicas`,
    );

    progress(`replica lag: ${decisions} approvals and ${decisions} revocations, replicas polling every ${pollMs} ms`);
    const lags: number[] = [];
    const onPrimary: number[] = [];
    const servedBy = (node: Node, pkgbase: string, want: boolean) => async () => {
      const body = (await (await fetch(`${node.url}/rpc/v5/info?arg[]=${pkgbase}`)).json()) as { resultcount: number };
      return body.resultcount > 0 === want;
    };
    const decide = async (pkgbase: string, want: boolean, act: () => Promise<unknown>) => {
      const start = performance.now();
      await act();
      await waitFor(servedBy(primary as Node, pkgbase, want));
      onPrimary.push(performance.now() - start);
      await Promise.all(replicas.map((replica) => waitFor(servedBy(replica, pkgbase, want)).then(() => lags.push(performance.now() - start))));
    };
    for (const revision of held) await decide(revision.pkgbase, true, () => app.approve({ pkgbase: revision.pkgbase, commit: revision.commit, by }));
    const admin = {
      channel: 'cli' as const,
      user: await createUser(app.db, { name: 'bench-admin', role: 'admin', password: randomBytes(18).toString('base64url') }, 'bench'),
    };
    for (const revision of held)
      await decide(revision.pkgbase, false, () => app.revoke({ pkgbase: revision.pkgbase, commit: revision.commit, by: admin, note: 'bench' }));
    report.time('replica-lag', 'decision → served on a replica (median)', median(lags), median(onPrimary), 'served on the primary', 10);
    report.note('replica lag p100', `${fmtMs(Math.max(...lags))} over ${lags.length} (decision, replica) pairs`);

    // The held packages were approved, then revoked above: only the others are served.
    const revoked = new Set(held.map((revision) => revision.pkgbase));
    const served = names.filter((name) => !revoked.has(name));
    const paths = served.flatMap((name) => [`/rpc/?v=5&type=info&arg[]=${name}`, `/cgit/aur.git/snapshot/${name}.tar.gz`]);
    for (const name of served.slice(0, 20)) await fetch(`${primary.url}/cgit/aur.git/snapshot/${name}.tar.gz`).then((r) => r.arrayBuffer());
    progress('load: RPC + snapshots on the primary alone, then spread over the two replicas');
    const single = await loadOver([primary], paths, settings);
    const spread = await loadOver(replicas, paths, settings);
    report.throughput('replica-load', 'RPC + snapshot load over 2 replicas', spread.rps, single.rps, 'the primary alone', 0.8);
    report.note(
      'replica load errors',
      `${spread.errors} of ${spread.requests} over replicas, ${single.errors} of ${single.requests} on the primary alone; p99 ${fmtMs(spread.p99)} vs ${fmtMs(single.p99)}`,
    );
    const cloneDir = path.join(root, 'clones');
    await mkdir(cloneDir, { recursive: true });
    const clones = Math.min(64, served.length * 2);
    const singleClones = await clonesOver([primary], served, clones, cloneDir);
    const spreadClones = await clonesOver(replicas, served, clones, cloneDir);
    report.time('replica-clones', `${clones} clones (8 at a time) over 2 replicas`, spreadClones.ms, singleClones.ms, 'the primary alone', 1.5);
    report.note('replica clone failures', `${spreadClones.failed} over replicas, ${singleClones.failed} on the primary alone`);
  } finally {
    await Promise.all(replicas.map(stopNode));
    await stopNode(primary);
    app.close();
    await upstream.stop();
  }
}
