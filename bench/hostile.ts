import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../src/config.js';
import { Aurgate } from '../src/compose.js';
import { createLogger } from '../src/log.js';
import { forEachConcurrently } from '../src/sync/pool.js';
import { makePackage } from '../test/support/fixture-packages.js';
import { HOSTILE_CLASSES, largeLsRefs, rawRequest } from '../test/support/raw-http.js';
import { memoryMiB, startServeProcess, type ServeProcess } from '../test/support/serve-process.js';
import { TestUpstream } from '../test/support/upstream.js';
import { progress } from './processes.js';
import type { Report } from './report.js';
import { benchReviewer } from './approve.js';

const SMALL = 'bench-small';
/** Packages whose snapshot archives are built while RPC latency is measured, one per round. */
const LARGE = ['bench-large-a', 'bench-large-b', 'bench-large-c'];
/** Random data as base64 text: gzip level 9 works hard on it and still leaves ~30 MB. */
const LARGE_BYTES = 40 * 1024 * 1024;
const UPLOAD_PACK = 'application/x-git-upload-pack-request';

function largeFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let index = 0; index < 4; index += 1) {
    const data = randomBytes((LARGE_BYTES / 4) * 0.75).toString('base64');
    files[`data/part-${index}.b64`] = `${(data.match(/.{1,76}/g) ?? []).join('\n')}\n`;
  }
  return files;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

interface Latency {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** One RPC request every this many ms, whatever the answers do (see sampleRpc). */
const SAMPLE_INTERVAL_MS = 5;
/** Requests in flight at most; those due beyond it wait their turn (and their wait counts). */
const SAMPLE_CONNECTIONS = 16;

/**
 * RPC info requests due at a fixed rate, each timed from when it was due rather than from when it was
 * sent, until `until` settles (or for `until` ms). A server that stops answering for a while then
 * shows it in every request due meanwhile, which a client waiting for each answer would hide.
 */
async function sampleRpc(url: string, until: Promise<unknown> | number): Promise<number[]> {
  const samples: number[] = [];
  const waiting: number[] = [];
  let inFlight = 0;
  let idle: () => void = () => {};
  const send = (due: number): void => {
    inFlight += 1;
    void fetch(`${url}/rpc/v5/info?arg[]=${SMALL}`)
      .then(async (response) => {
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`RPC answered ${response.status}`);
      })
      .then(() => samples.push(performance.now() - due))
      .finally(() => {
        inFlight -= 1;
        const next = waiting.shift();
        if (next !== undefined) send(next);
        else if (inFlight === 0) idle();
      });
  };
  const start = performance.now();
  let done = false;
  if (typeof until !== 'number') void until.finally(() => (done = true));
  for (let index = 0; !done && (typeof until !== 'number' || performance.now() - start < until); index += 1) {
    const due = start + index * SAMPLE_INTERVAL_MS;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (inFlight < SAMPLE_CONNECTIONS) send(due);
    else waiting.push(due);
  }
  if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
  return samples;
}

function summary(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
}

/** Counts the bytes of a download without keeping them; prints `<status> <bytes>`. */
const DOWNLOAD_SCRIPT = `
const response = await fetch(process.argv[1]);
let bytes = 0;
for await (const chunk of response.body) bytes += chunk.length;
process.stdout.write(response.status + ' ' + bytes);`;

/**
 * Downloads a snapshot archive (built on this first request) in a process of its own, so that
 * receiving it takes nothing from the process timing the RPC requests; returns its size.
 */
function fetchSnapshot(url: string, pkgbase: string, commit: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', DOWNLOAD_SCRIPT, `${url}/snapshot/${pkgbase}/${commit}.tar.gz`], (error, stdout) => {
      const [status, bytes] = stdout.split(' ').map(Number);
      if (error || status !== 200) reject(new Error(`snapshot of ${pkgbase}: ${error?.message ?? `status ${status}`}`));
      else resolve(bytes ?? 0);
    });
  });
}

async function prepare(root: string, upstream: TestUpstream): Promise<{ env: Record<string, string>; heads: Map<string, string> }> {
  const env = {
    AURGATE_DATA_DIR: path.join(root, 'data'),
    AURGATE_UPSTREAM_URL: upstream.url,
    AURGATE_LOG_LEVEL: 'warn',
    AURGATE_REQUIRED_APPROVALS: '1',
  };
  const app = new Aurgate(loadConfig(env), createLogger('warn', { process: 'bench' }));
  try {
    const heads = new Map<string, string>();
    heads.set(SMALL, await upstream.addPackage(makePackage({ pkgbase: SMALL })));
    for (const pkgbase of LARGE) heads.set(pkgbase, await upstream.addPackage(makePackage({ pkgbase, extraFiles: largeFiles() })));
    await app.allow([SMALL, ...LARGE], 'bench');
    await app.sync({ trigger: 'cli' });
    const by = await benchReviewer(app);
    for (const [pkgbase, commit] of heads) await app.approve({ pkgbase, commit, by });
    return { env, heads };
  } finally {
    app.close();
  }
}

async function hostileLoad(server: ServeProcess, head: string): Promise<void> {
  const post = (body: Buffer, headers: Record<string, string>) =>
    rawRequest(server.url, { method: 'POST', path: `/${SMALL}.git/git-upload-pack`, headers: { 'Content-Type': UPLOAD_PACK, ...headers }, body });
  for (const hostile of HOSTILE_CLASSES) {
    const request = hostile.build(head);
    await post(request.body, request.headers);
    if (!server.alive()) throw new Error(`aurgate serve died on "${hostile.name}" (protocol v${hostile.protocol})`);
  }
  const sizes = [...Array.from({ length: 100 }, () => 4 * 1024 * 1024), ...Array.from({ length: 40 }, () => 15 * 1024 * 1024)];
  await forEachConcurrently(sizes, 4, async (size) => {
    const answer = await post(largeLsRefs(size), { 'Git-Protocol': 'version=2' });
    if (answer.status !== 200) throw new Error(`a large ls-refs request answered ${answer.status ?? 'nothing (connection closed)'}`);
  });
}

/**
 * Benchmark 4, the server under hostile and heavy work, as its own `aurgate serve` process:
 * (a) RPC latency while snapshot archives of ~30 MB are built, against idle RPC latency in the same
 * run; (b) its resident memory before and after the hostile upload-pack bodies and 140 distinct large
 * ls-refs requests (100 of 4 MB, 40 of 15 MB: the load that took the old server from 75 MB to 1.1 GB).
 */
export async function benchHostile(root: string, report: Report): Promise<void> {
  const upstream = await TestUpstream.start({ dir: root });
  let server: ServeProcess | undefined;
  try {
    progress(`hostile: set-up of ${LARGE.length} packages of ${LARGE_BYTES / 2 ** 20} MB and one small one`);
    const { env, heads } = await prepare(root, upstream);
    server = await startServeProcess(env);
    const { url, pid } = server;
    await sampleRpc(url, 1000); // warm-up

    const idle: number[] = [];
    const during: number[] = [];
    for (const pkgbase of LARGE) {
      idle.push(...(await sampleRpc(url, 3000)));
      const started = performance.now();
      const build = fetchSnapshot(url, pkgbase, heads.get(pkgbase) ?? '');
      during.push(...(await sampleRpc(url, build)));
      const size = await build;
      progress(
        `hostile: snapshot of ${pkgbase}, ${(size / 2 ** 20).toFixed(1)} MB, built and sent in ${(performance.now() - started).toFixed(0)} ms`,
      );
    }
    const quiet = summary(idle);
    const busy = summary(during);
    const line = (l: Latency) => `p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, max ${l.max.toFixed(0)} ms over ${l.count} requests`;
    report.note(`rpc latency idle (one request every ${SAMPLE_INTERVAL_MS} ms, timed from when it was due)`, line(quiet));
    report.note(`rpc latency while a snapshot archive is built (${LARGE.length} rounds)`, line(busy));
    report.time('snapshot.rpc.p50', 'RPC p50 while a ~30 MB snapshot is built', busy.p50, quiet.p50, 'idle RPC p50, same run', 3);
    // On two cores gzip takes one whole core while it runs, so requests share the other with git and the
    // download; the goal separates that from a blocked event loop (the buffered gzipSync: seconds).
    report.time('snapshot.rpc.p99', 'RPC p99 while a ~30 MB snapshot is built', busy.p99, quiet.p99, 'idle RPC p99, same run', 10);

    const before = memoryMiB(pid);
    progress('hostile: upload-pack bodies git stops reading, then 100 × 4 MB + 40 × 15 MB distinct ls-refs requests');
    await hostileLoad(server, heads.get(SMALL) ?? '');
    const after = memoryMiB(pid);
    report.note(
      'aurgate serve RSS around the hostile git requests',
      `${before.rss.toFixed(0)} MB before, ${after.rss.toFixed(0)} MB after, peak ${after.peak.toFixed(0)} MB (VmRSS/VmHWM, tsx)`,
    );
    report.ceiling('hostile.rss.peak', 'peak RSS, hostile git requests + 140 large ls-refs', after.peak, 300, 'VmHWM of aurgate serve (tsx)');
  } finally {
    await server?.stop();
    await upstream.stop();
  }
}
