import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockFile } from '../src/app/lock.js';
import { Aurgate } from '../src/compose.js';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/http/server.js';
import { rawPublicKey } from '../src/trust/ed25519.js';
import { formatVerifierKey } from '../src/trust/signed-note.js';
import { account } from './support/accounts.js';
import { makePackage } from './support/fixture-packages.js';
import { tempDir } from './support/git-client.js';
import { runCliInProcess, startPublicAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';

/**
 * What an attacker with the server, its disk or its key could do to the approval log, each caught by
 * `aurgate verify --keys` (or `log watch`, `log verify`, start-up) with a clear message and exit code 8.
 * The scenarios run in order on one server: the destructive ones last.
 */
let upstream: TestUpstream;
let aurgate: Harness;
let url: string;
let work: string;
let keys: string;
let state: string;
const heads: Record<string, string> = {};

async function approveNew(pkgbase: string, pkgver: string): Promise<string> {
  const commit = heads[pkgbase]
    ? await upstream.push(pkgbase, makePackage({ pkgbase, pkgver }))
    : await upstream.addPackage(makePackage({ pkgbase, pkgver }));
  if (!heads[pkgbase]) await aurgate.app.allow([pkgbase], 'tester');
  heads[pkgbase] = commit;
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase, commit, by: await account(aurgate.app, 'rita') });
  return commit;
}

async function lockOf(name: string): Promise<string> {
  const result = await aurgate.cli(['lock', name]);
  expect(result.code, result.stderr).toBe(0);
  const file = path.join(work, `${name}-${Date.now()}-${Math.random().toString(36).slice(2)}.lock.json`);
  await writeFile(file, result.stdout);
  return file;
}

function verify(lock: string, extra: string[] = []) {
  return aurgate.cli(['verify', lock, '--keys', keys, '--state', state, ...extra]);
}

/** The database as someone with the disk sees it: the append-only triggers are just rows to drop. */
function withRawDatabase<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(aurgate.config.paths.database);
  try {
    for (const trigger of [
      'tlog_leaves_no_update',
      'tlog_leaves_no_delete',
      'tlog_hashes_no_delete',
      'tlog_checkpoints_no_delete',
      'tlog_attestations_no_update',
      'tlog_attestations_no_delete',
    ])
      db.exec(`DROP TRIGGER IF EXISTS ${trigger}`);
    return fn(db);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  upstream = await TestUpstream.start();
  const started = await startPublicAurgate({ upstreamUrl: upstream.url });
  aurgate = started;
  url = started.url;
  work = await tempDir('aurgate-tamper-');
  keys = path.join(work, 'keys.txt');
  state = path.join(work, 'state.json');
  await approveNew('tam-a', '1.0');
  await approveNew('tam-b', '1.0');
  await writeFile(keys, await (await fetch(`${url}/.well-known/aurgate/keys`)).text());
  const first = await verify(await lockOf('tam-a'));
  expect(first.code, first.stdout + first.stderr).toBe(0);
});
afterAll(async () => {
  await aurgate.close();
  await upstream.stop();
});

describe('tampering is detected', () => {
  it('a checkpoint signed by another key', async () => {
    const foreign = path.join(work, 'foreign-keys.txt');
    const other = generateKeyPairSync('ed25519').privateKey;
    await writeFile(foreign, `${formatVerifierKey(new URL(url).host, rawPublicKey(other))}\n`);
    const result = await aurgate.cli(['verify', await lockOf('tam-a'), '--keys', foreign, '--state', path.join(work, 'foreign-state.json')]);
    expect(result.code).toBe(8);
    expect(result.stderr).toContain('the note is not signed by a trusted key');
  });

  it('a swapped snapshot, even with a matching new lock', async () => {
    const commit = heads['tam-b'] ?? '';
    const evil = Buffer.from('not the reviewed archive');
    const digest = createHash('sha256').update(evil).digest('hex');
    await aurgate.app.snapshots.get('tam-b', commit);
    await writeFile(aurgate.app.snapshots.cachePath('tam-b', commit), evil);
    withRawDatabase((db) =>
      db.prepare('UPDATE snapshots SET sha256 = ?, size = ? WHERE pkgbase = ? AND commit_id = ?').run(digest, evil.length, 'tam-b', commit),
    );
    const lock = await lockOf('tam-b');
    expect((JSON.parse(await readFile(lock, 'utf8')) as LockFile).packages[0]?.sha256).toBe(digest);
    // Without the keys the lock and the server agree: only the signed approval shows the swap.
    const plain = await aurgate.cli(['verify', lock]);
    expect(plain.code).toBe(0);
    // Those bytes hold no .SRCINFO: verify says its dependencies went unchecked, without failing.
    expect(plain.stdout).toMatch(/^NOTE +tam-b .*: dependencies not checked: the snapshot is not gzip/m);
    const result = await verify(lock);
    expect(result.code).toBe(8);
    expect(result.stdout).toMatch(/^TAMPERED tam-b .*the lock pins [0-9a-f]{64}: the snapshot was swapped$/m);
  });

  it('a rolled-back log (the server restored from an old disk)', async () => {
    const backup = path.join(work, 'backup');
    expect((await aurgate.cli(['backup', backup])).code).toBe(0);
    await approveNew('tam-a', '2.0');
    expect((await verify(await lockOf('tam-a'))).code).toBe(0);
    const dataDir = path.join(work, 'restored');
    expect((await runCliInProcess(['restore', backup], { ...aurgate.env, AURGATE_DATA_DIR: dataDir })).code).toBe(0);
    const restored = new Aurgate(loadConfig({ ...aurgate.env, AURGATE_DATA_DIR: dataDir }), pino({ level: 'silent' }));
    const server = await startServer(restored, { schedule: false, port: 0 });
    try {
      const result = await verify(await lockOf('tam-a'), ['--server', server.url]);
      expect(result.code).toBe(8);
      expect(result.stderr).toMatch(/the log was rolled back: this machine already saw 3 entries, the server now shows 2/);
    } finally {
      await server.close(1000);
      restored.close();
    }
  });

  it('a log truncated and re-grown differently (a fork), for verify and for a witness', async () => {
    const watchState = path.join(work, 'watch.json');
    expect((await aurgate.cli(['log', 'watch', url, '--keys', keys, '--state', watchState, '--once'])).code).toBe(0);
    const lock = await lockOf('tam-a');
    const keep = 2;
    withRawDatabase((db) => {
      db.prepare('DELETE FROM tlog_attestations WHERE leaf_idx >= ?').run(keep);
      db.prepare('DELETE FROM tlog_leaves WHERE idx >= ?').run(keep);
      db.prepare('DELETE FROM tlog_hashes WHERE ((idx + 1) << level) > ?').run(keep);
      db.prepare('DELETE FROM tlog_checkpoints WHERE size > ?').run(keep);
    });
    await approveNew('tam-c', '1.0');
    await approveNew('tam-c', '1.1');
    const result = await verify(lock);
    expect(result.code).toBe(8);
    expect(result.stderr).toMatch(/the log forked: the tree of 4 entries does not extend the tree of 3 this machine saw/);
    const watched = await aurgate.cli(['log', 'watch', url, '--keys', keys, '--state', watchState, '--once']);
    expect(watched.code).toBe(8);
    expect(watched.stderr).toContain('the log forked');
    // The state files keep the checkpoint they saw: the evidence is not overwritten by the fork.
    expect(JSON.parse(await readFile(state, 'utf8'))).toMatchObject({ size: 3 });
  });

  it('an edited decision in the log: verify, log verify and start-up all refuse it', async () => {
    const lockBefore = await lockOf('tam-c');
    const index = (JSON.parse(await readFile(lockBefore, 'utf8')) as LockFile).packages[0]?.attestation?.logIndex ?? -1;
    const edited = withRawDatabase((db) => {
      const row = db.prepare('SELECT data FROM tlog_leaves WHERE idx = ?').get(index) as { data: Buffer };
      const envelope = JSON.parse(row.data.toString('utf8')) as { payload: string };
      const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { predicate: { reviewers: Array<{ name: string }> } };
      statement.predicate.reviewers = [{ ...statement.predicate.reviewers[0], name: 'mallory' }];
      envelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
      const line = Buffer.from(JSON.stringify(envelope));
      db.prepare('UPDATE tlog_leaves SET data = ? WHERE idx = ?').run(line, index);
      db.prepare('UPDATE tlog_attestations SET digest = ? WHERE leaf_idx = ?').run(createHash('sha256').update(line).digest('hex'), index);
      return line;
    });
    expect((await (await fetch(`${url}/attestations/tam-c/${heads['tam-c']}.intoto.jsonl`)).text()).trim()).toBe(edited.toString());
    const verifyState = path.join(work, 'fresh-state.json');
    const result = await aurgate.cli(['verify', await lockOf('tam-c'), '--keys', keys, '--state', verifyState]);
    expect(result.code).toBe(8);
    expect(result.stdout).toMatch(/^TAMPERED tam-c .*signature .*does not verify/m);
    const scan = await aurgate.cli(['log', 'verify']);
    expect(scan.code).toBe(8);
    expect(scan.stderr).toContain(`log entry ${index} does not match its stored hash`);
    const again = new Aurgate(aurgate.config, pino({ level: 'silent' }));
    try {
      await expect(startServer(again, { schedule: false, port: 0 })).rejects.toThrow(`log entry ${index} does not match its stored hash`);
    } finally {
      again.close();
    }
  });
});
