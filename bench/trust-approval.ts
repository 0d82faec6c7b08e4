/**
 * `node --import tsx bench/trust-approval.ts [packages]` (default 240): what signed approvals cost end
 * to end, each beside a baseline from the same run.
 * - Approval latency: the full approval path (archive checksum from the mirror, statement, DSSE
 *   signature, log append, signed checkpoint, then publishing) against the path without the
 *   attestation (decision + publishing only), alternating package by package so machine noise hits
 *   both alike. The risk flags are warmed first, as a reviewer's review page does.
 * - Verification of a 200-entry lock over HTTP: `aurgate verify --keys` (snapshots + every approval's
 *   signature, subject and inclusion, the log's consistency) against `aurgate verify` (snapshots only).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createUser } from '../src/accounts/users.js';
import { servableRangeOf } from '../src/app/decisions.js';
import { createLock } from '../src/app/lock.js';
import { publishPackage } from '../src/app/publish.js';
import { runCli } from '../src/cli/program.js';
import { Aurgate } from '../src/compose.js';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/http/server.js';
import { createLogger } from '../src/log.js';
import { approveRevision } from '../src/quarantine/decisions.js';
import { listPendingRevisions } from '../src/quarantine/revisions.js';
import { DbCatalog } from '../src/store/catalog.js';
import { median, progress } from './processes.js';
import { allowAll } from './approve.js';
import { startUpstream } from './upstream.js';

const count = Number(process.argv[2] ?? 240);
const LOCKED = 200;
const root = await mkdtemp(path.join(os.tmpdir(), 'aurgate-bench-trust-'));
const upstream = await startUpstream(path.join(root, 'upstream'), count, 1);
const env = {
  AURGATE_DATA_DIR: path.join(root, 'data'),
  AURGATE_UPSTREAM_URL: upstream.url,
  AURGATE_LOG_LEVEL: 'warn',
  AURGATE_REQUIRED_APPROVALS: '1',
};
const config = loadConfig(env);
const app = new Aurgate(config, createLogger(config.logLevel, { process: 'bench' }));
const rows: string[] = [];
try {
  const names = upstream.packages.map((pkg) => pkg.pkgbase);
  allowAll(app, names);
  progress(`set-up: syncing ${count} packages`);
  await app.sync({ trigger: 'cli' });
  const pending = listPendingRevisions(app.db);
  for (const revision of pending) await app.reviews.flags(revision);
  const by = {
    user: await createUser(app.db, { name: 'bench', role: 'reviewer', password: randomBytes(18).toString('base64url') }, 'bench'),
    channel: 'cli' as const,
  };

  const signed: number[] = [];
  const plain: number[] = [];
  for (const [i, revision] of pending.entries()) {
    const input = { pkgbase: revision.pkgbase, commit: revision.commit, by };
    const start = performance.now();
    // Past the first LOCKED packages (the lock below needs them attested), every other one takes the path without attestation.
    if (i >= LOCKED && (i - LOCKED) % 2 === 1) {
      const history = await servableRangeOf(app, revision.pkgbase);
      approveRevision(app.db, input, history ?? { revisionId: -1, approvedOfPackage: [], revokedOfPackage: [], commits: [] });
      await publishPackage(app.db, app.served, revision.pkgbase);
      plain.push(performance.now() - start);
    } else {
      await app.approve(input);
      signed.push(performance.now() - start);
    }
  }
  const signedMedian = median(signed);
  const plainMedian = median(plain);
  rows.push(`approval + publish, with signing and logging (median of ${signed.length}): ${signedMedian.toFixed(1)} ms`);
  rows.push(`approval + publish, without (baseline, median of ${plain.length}): ${plainMedian.toFixed(1)} ms`);
  rows.push(`ratio: ${(signedMedian / plainMedian).toFixed(2)}× baseline (+${(signedMedian - plainMedian).toFixed(1)} ms per approval)`);

  const server = await startServer(app, { schedule: false, port: 0 });
  try {
    const publicUrl = server.url;
    const lock = await createLock(
      { db: app.db, lookup: new DbCatalog(app.db), snapshots: app.snapshots, publicUrl, attestations: app.trust },
      names.slice(0, LOCKED),
    );
    if (lock.packages.some((entry) => !entry.attestation)) throw new Error('every locked package must be attested');
    const lockFile = path.join(root, 'lock.json');
    const keysFile = path.join(root, 'keys.txt');
    await writeFile(lockFile, JSON.stringify(lock));
    await writeFile(keysFile, await (await fetch(`${publicUrl}/.well-known/aurgate/keys`)).text());
    const quiet = { write: () => true };
    const verify = async (args: string[]): Promise<number> => {
      const io = { env: {}, stdout: quiet, stderr: quiet, stdin: process.stdin, exitCode: 0 };
      const start = performance.now();
      const code = await runCli(['verify', lockFile, ...args], io);
      if (code !== 0) throw new Error(`verify ${args.join(' ')} exited ${code}`);
      return performance.now() - start;
    };
    const withKeys: number[] = [];
    const without: number[] = [];
    for (let round = 0; round < 5; round += 1) {
      without.push(await verify([]));
      withKeys.push(await verify(['--keys', keysFile, '--state', path.join(root, 'state.json')]));
    }
    rows.push(`verify a ${LOCKED}-entry lock with --keys (median of 5): ${median(withKeys).toFixed(0)} ms`);
    rows.push(`verify the same lock, snapshots only (baseline, median of 5): ${median(without).toFixed(0)} ms`);
    rows.push(`ratio: ${(median(withKeys) / median(without)).toFixed(2)}× baseline`);
  } finally {
    await server.close(1000);
  }
} finally {
  app.close();
  await upstream.stop();
  await rm(root, { recursive: true, force: true, maxRetries: 5 });
}
process.stdout.write(`\n${rows.join('\n')}\n`);
