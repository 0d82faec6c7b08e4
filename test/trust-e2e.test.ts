import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockFile } from '../src/app/lock.js';
import { privateKeyFromSeed, rawPublicKey } from '../src/trust/ed25519.js';
import { account } from './support/accounts.js';
import { makePackage } from './support/fixture-packages.js';
import { tempDir } from './support/git-client.js';
import { startPublicAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';

/**
 * Signed approvals end to end on a real server: approve → lock → `verify --keys` with only the pinned
 * keys, revocations reported, key rotation, and a witness following the log with `log watch`.
 */
let upstream: TestUpstream;
let aurgate: Harness;
let url: string;
let work: string;
const heads: Record<string, string> = {};

async function pinKeys(name: string): Promise<string> {
  const file = path.join(work, name);
  const response = await fetch(`${url}/.well-known/aurgate/keys`);
  expect(response.status).toBe(200);
  await writeFile(file, await response.text());
  return file;
}

async function lockOf(names: string[]): Promise<{ file: string; lock: LockFile }> {
  const result = await aurgate.cli(['lock', ...names]);
  expect(result.code, result.stderr).toBe(0);
  const file = path.join(work, `${names.join('+')}-${Date.now()}.lock.json`);
  await writeFile(file, result.stdout);
  return { file, lock: JSON.parse(result.stdout) as LockFile };
}

/** DSSE as its specification defines it, with node:crypto only (the code under test is not used). */
function independentlyVerified(line: string, verifierKey: string): Record<string, unknown> {
  const raw = Buffer.from(verifierKey.trim().split('+').slice(2).join('+'), 'base64').subarray(1);
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  const envelope = JSON.parse(line) as { payloadType: string; payload: string; signatures: Array<{ sig: string }> };
  const payload = Buffer.from(envelope.payload, 'base64');
  const type = Buffer.from(envelope.payloadType);
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
  expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
  expect(verifySignature(null, pae, key, Buffer.from(envelope.signatures[0]?.sig ?? '', 'base64'))).toBe(true);
  return JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
}

beforeAll(async () => {
  upstream = await TestUpstream.start();
  const started = await startPublicAurgate({ upstreamUrl: upstream.url });
  aurgate = started;
  url = started.url;
  work = await tempDir('aurgate-trust-');
  heads['att-lib'] = await upstream.addPackage(makePackage({ pkgbase: 'att-lib', pkgver: '1.0' }), { Maintainer: 'upstream-alice' });
  heads['att-app'] = await upstream.addPackage(makePackage({ pkgbase: 'att-app', pkgver: '4.2' }));
  await aurgate.app.allow(['att-lib', 'att-app'], 'tester');
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: 'att-lib', commit: heads['att-lib'], by: await account(aurgate.app, 'rita'), note: 'looked fine' });
  await aurgate.app.approve({ pkgbase: 'att-app', commit: heads['att-app'], by: await account(aurgate.app, 'sam') });
});
afterAll(async () => {
  await aurgate.close();
  await upstream.stop();
});

describe('signed approvals, end to end', () => {
  let keys: string;
  let state: string;
  let both: { file: string; lock: LockFile };

  it('publishes the pinned keys, and every lock entry names its signed, logged approval', async () => {
    keys = await pinKeys('keys-1.txt');
    const keyLine = (await readFile(keys, 'utf8')).trim();
    expect(keyLine).toMatch(/^127\.0\.0\.1:\d+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
    both = await lockOf(['att-lib', 'att-app']);
    for (const entry of both.lock.packages) {
      expect(entry.attestation?.url).toBe(`${url}/attestations/${entry.pkgbase}/${entry.commit}.intoto.jsonl`);
      const served = await fetch(entry.attestation?.url ?? '');
      expect(served.status).toBe(200);
      const [line = ''] = (await served.text()).split('\n');
      expect(createHash('sha256').update(line).digest('hex')).toBe(entry.attestation?.sha256);
      const statement = independentlyVerified(line, keyLine) as {
        _type: string;
        predicateType: string;
        subject: Array<{ name: string; digest: Record<string, string> }>;
        predicate: Record<string, unknown>;
      };
      expect(statement._type).toBe('https://in-toto.io/Statement/v1');
      expect(statement.predicateType).toBe('https://aurgate.dev/attestation/review/v1');
      expect(statement.subject).toEqual([{ name: `${entry.pkgbase}@${entry.commit}`, digest: { sha256: entry.sha256, gitCommit: entry.commit } }]);
      expect(statement.predicate).toMatchObject({
        decision: 'approved',
        pkgbase: entry.pkgbase,
        version: entry.version,
        policy: { requiredApprovals: 1 },
      });
    }
    const lib = both.lock.packages[0];
    expect(independentlyVerified((await (await fetch(lib?.attestation?.url ?? '')).text()).trim(), keyLine)).toMatchObject({
      predicate: { reviewers: [{ name: 'rita' }], upstreamMaintainer: 'upstream-alice', reviewedRange: { from: null, to: heads['att-lib'] } },
    });
    // The lock API lists the same attestations.
    const api = (await (await fetch(`${url}/api/v1/lock?pkg=att-lib`)).json()) as LockFile;
    expect(api.packages[0]?.attestation).toEqual(lib?.attestation);
  });

  it('verify --keys checks signatures, subjects and inclusion, and remembers the checkpoint', async () => {
    state = path.join(work, 'state', 'checkpoint.json');
    const result = await aurgate.cli(['verify', both.file, '--keys', keys, '--state', state]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^LOG {4}127\.0\.0\.1:\d+: signed checkpoint of 2 entries, first seen/m);
    expect(result.stdout.match(/^SIGNED /gm)).toHaveLength(2);
    expect(JSON.parse(await readFile(state, 'utf8'))).toMatchObject({ size: 2 });
    const again = await aurgate.cli(['verify', both.file, '--keys', keys, '--state', state, '--json']);
    expect(again.code).toBe(0);
    const rows = JSON.parse(again.stdout) as Array<{ kind: string; attestation: { kind: string; logIndex: number } }>;
    expect(rows.map((row) => [row.kind, row.attestation.kind, row.attestation.logIndex])).toEqual([
      ['ok', 'ok', 0],
      ['ok', 'ok', 1],
    ]);
  });

  it('serves checkpoints, tiles and proofs with strict parameters', async () => {
    const checkpoint = await (await fetch(`${url}/log/checkpoint`)).text();
    expect(checkpoint.split('\n').slice(0, 2)).toEqual([new URL(url).host, '2']);
    const tile = await fetch(`${url}/log/tile/entries/000.p/2`);
    expect(tile.status).toBe(200);
    expect(tile.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${url}/log/tile/entries/000`)).status).toBe(404);
    expect((await fetch(`${url}/log/tile/entries/x000/000.p/2`)).status).toBe(404);
    expect((await fetch(`${url}/log/proof/inclusion?index=1&size=2`)).status).toBe(200);
    expect((await fetch(`${url}/log/proof/inclusion?index=01&size=2`)).status).toBe(400);
    expect((await fetch(`${url}/log/proof/inclusion?index=0&size=99`)).status).toBe(404);
    expect((await fetch(`${url}/log/proof/consistency?from=3&to=2`)).status).toBe(400);
    expect((await fetch(`${url}/attestations/att-lib/${'0'.repeat(40)}.intoto.jsonl`)).status).toBe(404);
    expect((await fetch(`${url}/attestations/att-lib/HEAD.intoto.jsonl`)).status).toBe(404);
  });

  it('a witness following the log sees every decision, then only new ones', async () => {
    const watchState = path.join(work, 'watch.json');
    const first = await aurgate.cli(['log', 'watch', url, '--keys', keys, '--state', watchState, '--once']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^#0 \S+ APPROVED att-lib 1\.0-1 [0-9a-f]{12} by rita$/m);
    expect(first.stdout).toMatch(/^#1 \S+ APPROVED att-app 4\.2-1 [0-9a-f]{12} by sam$/m);
    await aurgate.app.revoke({
      pkgbase: 'att-app',
      commit: heads['att-app'] ?? '',
      by: await account(aurgate.app, 'ada', 'admin'),
      note: 'CVE-2026-0001',
    });
    const second = await aurgate.cli(['log', 'watch', url, '--keys', keys, '--state', watchState, '--once']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim()).toMatch(/^#2 \S+ REVOKED {2}att-app 4\.2-1 [0-9a-f]{12} by ada: CVE-2026-0001$/);
  });

  it('reports a signed revocation made after the lock as drift', async () => {
    const result = await aurgate.cli(['verify', both.file, '--keys', keys, '--state', state]);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toMatch(/^REVOKED att-app .*: signed revocation by ada at \S+ \(after this lock was made\): CVE-2026-0001$/m);
    expect(result.stdout).toMatch(/^SIGNED att-lib /m);
  });

  it('after a key rotation old approvals still verify, with the published key set', async () => {
    const rotated = await aurgate.cli(['key', 'rotate']);
    expect(rotated.code, rotated.stderr).toBe(0);
    const lib = await lockOf(['att-lib']);
    // A verifier still pinning only the old key refuses checkpoints the new key signs.
    const stale = await aurgate.cli(['verify', lib.file, '--keys', keys, '--state', state]);
    expect(stale.code).toBe(8);
    expect(stale.stderr).toMatch(/signature|key/i);
    const keys2 = await pinKeys('keys-2.txt');
    expect((await readFile(keys2, 'utf8')).trim().split('\n')).toHaveLength(2);
    const result = await aurgate.cli(['verify', lib.file, '--keys', keys2, '--state', state]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    // And new approvals are signed by the new key.
    heads['att-lib-2'] = await upstream.push('att-lib', makePackage({ pkgbase: 'att-lib', pkgver: '2.0' }));
    await aurgate.app.sync({ trigger: 'cli' });
    await aurgate.app.approve({ pkgbase: 'att-lib', commit: heads['att-lib-2'], by: await account(aurgate.app, 'rita') });
    const newer = await lockOf(['att-lib']);
    expect(newer.lock.packages[0]?.commit).toBe(heads['att-lib-2']);
    const line = (await (await fetch(newer.lock.packages[0]?.attestation?.url ?? '')).text()).trim();
    const oldKey = await readFile(keys, 'utf8');
    const newKey = (await readFile(keys2, 'utf8')).trim().split('\n')[1] ?? '';
    expect(() => independentlyVerified(line, oldKey)).toThrow();
    expect(independentlyVerified(line, newKey)).toMatchObject({ predicate: { decision: 'approved', version: '2.0-1' } });
    const checked = await aurgate.cli(['verify', newer.file, '--keys', keys2, '--state', state]);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    expect((await aurgate.cli(['log', 'verify'])).stdout).toMatch(/intact: 4 entries/);
  });
  it('a revocation that cascades signs one revocation per revoked revision, naming the ancestor', async () => {
    const revoked = await aurgate.app.revoke({
      pkgbase: 'att-lib',
      commit: heads['att-lib'] ?? '',
      by: await account(aurgate.app, 'ada', 'admin'),
      note: 'backdoored tarball',
    });
    expect(revoked.map((revision) => revision.commit)).toEqual([heads['att-lib'], heads['att-lib-2']]);
    const keyLines = (await readFile(path.join(work, 'keys-2.txt'), 'utf8')).trim().split('\n');
    const revocationOf = async (commit: string) => {
      const lines = (await (await fetch(`${url}/attestations/att-lib/${commit}.intoto.jsonl`)).text()).trim().split('\n');
      expect(lines).toHaveLength(2);
      return independentlyVerified(lines[1] ?? '', keyLines[1] ?? '') as { predicate: Record<string, unknown> };
    };
    expect((await revocationOf(heads['att-lib'] ?? '')).predicate).toMatchObject({
      decision: 'revoked',
      reviewers: [{ name: 'rita' }],
      revocation: { reason: 'backdoored tarball', revokedBy: 'ada' },
    });
    const cascaded = (await revocationOf(heads['att-lib-2'] ?? '')).predicate;
    expect(cascaded).toMatchObject({ decision: 'revoked', revocation: { revokedBy: 'ada', cascadeFrom: heads['att-lib'] } });
    expect((await aurgate.cli(['log', 'verify'])).stdout).toMatch(/intact: 6 entries/);
  });
  it('imports a key, exports public keys in every format, and publishes exactly the exported set', async () => {
    const seed = Buffer.alloc(32, 7);
    const seedFile = path.join(work, 'seed.hex');
    await writeFile(seedFile, `${seed.toString('hex')}\n`, { mode: 0o600 });
    const imported = await aurgate.cli(['key', 'import', seedFile, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    const shown = JSON.parse((await aurgate.cli(['key', 'show', '--json'])).stdout) as {
      active: string;
      keys: Array<{ keyid: string; source: string; retiredAt: string | null }>;
    };
    expect(shown.keys.map((key) => [key.source, key.retiredAt === null])).toEqual([
      ['generated', false],
      ['generated', false],
      ['imported', true],
    ]);
    const raw = rawPublicKey(privateKeyFromSeed(seed));
    expect(shown.active).toBe(createHash('sha256').update(raw).digest('hex'));
    expect((await aurgate.cli(['key', 'export-public', '--format', 'base64'])).stdout.trim()).toBe(raw.toString('base64'));
    expect((await aurgate.cli(['key', 'export-public', '--format', 'pem'])).stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect((await aurgate.cli(['key', 'export-public', '--format', 'jwk'])).code).toBe(2);
    const all = (await aurgate.cli(['key', 'export-public', '--all'])).stdout;
    expect(all).toBe(await (await fetch(`${url}/.well-known/aurgate/keys`)).text());
    expect(all.trim().split('\n')).toHaveLength(3);
    // Checkpoints are now signed by the imported key: a witness pinning the published set accepts them.
    const keys3 = await pinKeys('keys-3.txt');
    const watched = await aurgate.cli(['log', 'watch', url, '--keys', keys3, '--state', path.join(work, 'watch-3.json'), '--once']);
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout.trim().split('\n')).toHaveLength(6);
  });
  it('an approval whose attestation cannot be logged is not made: nothing is served, nothing recorded', async () => {
    const commit = await upstream.addPackage(makePackage({ pkgbase: 'att-atomic', pkgver: '1.0' }));
    await aurgate.app.allow(['att-atomic'], 'tester');
    await aurgate.app.sync({ trigger: 'cli' });
    const before = aurgate.app.trust.size();
    aurgate.app.db.exec("CREATE TEMP TRIGGER refuse_log BEFORE INSERT ON tlog_leaves BEGIN SELECT RAISE(ABORT, 'log unavailable'); END");
    try {
      await expect(aurgate.app.approve({ pkgbase: 'att-atomic', commit, by: await account(aurgate.app, 'rita') })).rejects.toThrow(/log unavailable/);
    } finally {
      aurgate.app.db.exec('DROP TRIGGER temp.refuse_log');
    }
    const row = aurgate.app.db.prepare('SELECT state FROM revisions WHERE pkgbase = ? AND commit_id = ?').get('att-atomic', commit) as {
      state: string;
    };
    expect(row.state).toBe('pending');
    expect(aurgate.app.snapshots.recorded('att-atomic', commit)).toBeNull();
    expect(aurgate.app.trust.size()).toBe(before);
    expect((await fetch(`${url}/snapshot/att-atomic/${commit}.tar.gz`)).status).toBe(404);
    expect((await fetch(`${url}/att-atomic.git/info/refs?service=git-upload-pack`)).status).toBe(404);
    // Once the log works again the same approval goes through, attested.
    const result = await aurgate.app.approve({ pkgbase: 'att-atomic', commit, by: await account(aurgate.app, 'rita') });
    expect(result.approved).toBe(true);
    expect(aurgate.app.trust.approvalOf('att-atomic', commit)?.index).toBe(before);
  });
});
