/**
 * Interoperability: the checkpoints, proofs and tiles aurgate produces are checked by Go's stock
 * golang.org/x/mod/sumdb/note and sumdb/tlog (test/interop/tlogcheck), and tampered ones are refused.
 * CI installs Go and Debian's golang-golang-x-mod-dev (.ci/run); without them this test fails.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open.js';
import { signAttestation } from '../src/trust/attestation.js';
import { rawPublicKey } from '../src/trust/ed25519.js';
import { keyIdOf } from '../src/trust/key-store.js';
import { LogStore } from '../src/trust/log-store.js';
import { formatVerifierKey, noteSigner } from '../src/trust/signed-note.js';
import { approvalStatement } from '../src/trust/statement.js';
import { exportTiles } from '../src/trust/tile-export.js';
import { signEd25519 } from '../src/trust/ed25519.js';

const GOPATH = '/usr/share/gocode';
const ORIGIN = 'aurgate.example.com/log';
const work = mkdtempSync(path.join(os.tmpdir(), 'aurgate-interop-'));
const binary = path.join(work, 'tlogcheck');

interface GoResult {
  ok: boolean;
  error: string;
  size?: number;
  root?: string;
  proofs?: string[][];
  consistency?: string[];
}

function goCheck(job: Record<string, unknown>): GoResult {
  const run = spawnSync(binary, [], { input: JSON.stringify(job), encoding: 'utf8' });
  if (run.status !== 0) return { ok: false, error: run.stderr.trim() };
  return { ok: true, error: '', ...(JSON.parse(run.stdout) as Omit<GoResult, 'ok' | 'error'>) };
}

const b64 = (hashes: Buffer[]) => hashes.map((hash) => hash.toString('base64'));

const key = generateKeyPairSync('ed25519');
const signer = noteSigner(ORIGIN, key.privateKey);
const verifierKey = formatVerifierKey(ORIGIN, rawPublicKey(key.publicKey));
const dsseSigner = { keyid: keyIdOf(rawPublicKey(key.publicKey)), sign: (message: Uint8Array) => signEd25519(key.privateKey, message) };

/** A log of real attestations: every entry is a signed DSSE envelope, as aurgate appends them. */
function buildLog(size: number): LogStore {
  const store = new LogStore(openDatabase(path.join(mkdtempSync(path.join(work, 'db-')), 'aurgate.db')));
  for (let i = 0; i < size; i += 1) {
    const commit = i.toString(16).padStart(40, '0');
    const statement = approvalStatement({
      pkgbase: `pkg${i % 50}`,
      pkgnames: [`pkg${i % 50}`],
      version: `${i}-1`,
      commit,
      archiveSha256: commit.padEnd(64, 'f'),
      baseCommit: null,
      reviewers: [{ name: 'alice', approvedAt: new Date(1_780_000_000_000 + i) }],
      requiredApprovals: 1,
      riskFlags: [],
      upstreamMaintainer: 'maint',
      decidedAt: new Date(1_780_000_000_000 + i),
      servedCommits: [commit],
    });
    store.append(signAttestation(statement, dsseSigner).bytes);
  }
  return store;
}

beforeAll(() => {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0 || !existsSync(path.join(GOPATH, 'src/golang.org/x/mod/sumdb/note'))) {
    throw new Error('this test needs Go and golang.org/x/mod: apt-get install -y golang-go golang-golang-x-mod-dev (as .ci/run does)');
  }
  execFileSync('go', ['build', '-o', binary, './test/interop/tlogcheck'], {
    env: { ...process.env, GO111MODULE: 'off', GOPATH, GOCACHE: path.join(work, 'gocache'), GOFLAGS: '', CGO_ENABLED: '0' },
    stdio: 'pipe',
  });
}, 300_000);

describe('Go sumdb/note and sumdb/tlog accept what aurgate produces', () => {
  const log = buildLog(600);
  const checkpoint = log.publishCheckpoint(ORIGIN, [signer]);
  const early = { size: 300, note: '' };

  beforeAll(() => {
    // An older checkpoint, as a client that last looked at size 300 would hold it.
    const small = buildLog(300);
    early.note = small.publishCheckpoint(ORIGIN, [signer]).note;
    expect(small.root(300)).toEqual(log.root(300));
  });

  it('opens the checkpoint with the verifier key string', () => {
    const result = goCheck({ mode: 'checkpoint', verifierKeys: [verifierKey], origin: ORIGIN, checkpoint: checkpoint.note });
    expect(result).toMatchObject({ ok: true, size: 600, root: checkpoint.rootHash.toString('base64') });
  });

  it('checks inclusion proofs of entries across the tree (tlog.CheckRecord)', () => {
    for (const index of [0, 1, 255, 256, 299, 511, 599]) {
      const entry = log.leaves(index, 1)[0] as Buffer;
      const result = goCheck({
        mode: 'inclusion',
        verifierKeys: [verifierKey],
        origin: ORIGIN,
        checkpoint: checkpoint.note,
        index,
        entry: entry.toString('base64'),
        proof: b64(log.inclusionProof(index, 600)),
      });
      expect(result.error).toBe('');
    }
  });

  it('checks a consistency proof between two checkpoints (tlog.CheckTree)', () => {
    const result = goCheck({
      mode: 'consistency',
      verifierKeys: [verifierKey],
      origin: ORIGIN,
      checkpoint: checkpoint.note,
      oldCheckpoint: early.note,
      proof: b64(log.consistencyProof(300, 600)),
    });
    expect(result.error).toBe('');
  });

  it('reads the exported C2SP tiles, authenticates them against the checkpoint, and derives the same proofs', () => {
    const dir = path.join(work, 'tiles');
    exportTiles(log, dir, checkpoint);
    const indexes = [0, 42, 256, 599];
    const result = goCheck({
      mode: 'tiles',
      verifierKeys: [verifierKey],
      origin: ORIGIN,
      checkpoint: checkpoint.note,
      tileDir: dir,
      indexes,
      oldSize: 300,
    });
    expect(result.error).toBe('');
    expect(result.proofs).toEqual(indexes.map((index) => b64(log.inclusionProof(index, 600))));
    expect(result.consistency).toEqual(b64(log.consistencyProof(300, 600)));
  });

  describe('and refuse tampered ones', () => {
    it('a checkpoint signed by another key', () => {
      const other = noteSigner(ORIGIN, generateKeyPairSync('ed25519').privateKey);
      const forged = log.publishCheckpoint(ORIGIN, [other]).note;
      expect(goCheck({ mode: 'checkpoint', verifierKeys: [verifierKey], origin: ORIGIN, checkpoint: forged }).error).toMatch(
        /no verifiable signatures/,
      );
    });

    it('a checkpoint with an edited tree size', () => {
      const edited = checkpoint.note.replace('\n600\n', '\n601\n');
      expect(goCheck({ mode: 'checkpoint', verifierKeys: [verifierKey], origin: ORIGIN, checkpoint: edited }).error).toMatch(/invalid signature/);
    });

    it('an edited entry', () => {
      const entry = Buffer.from((log.leaves(7, 1)[0] as Buffer).toString('utf8').replace('"payloadType"', '"payloadType" '));
      const result = goCheck({
        mode: 'inclusion',
        verifierKeys: [verifierKey],
        origin: ORIGIN,
        checkpoint: checkpoint.note,
        index: 7,
        entry: entry.toString('base64'),
        proof: b64(log.inclusionProof(7, 600)),
      });
      expect(result.error).toMatch(/invalid transparency proof/);
    });

    it('an entry proven at another position (a reordered log)', () => {
      const entry = log.leaves(8, 1)[0] as Buffer;
      const result = goCheck({
        mode: 'inclusion',
        verifierKeys: [verifierKey],
        origin: ORIGIN,
        checkpoint: checkpoint.note,
        index: 7,
        entry: entry.toString('base64'),
        proof: b64(log.inclusionProof(7, 600)),
      });
      expect(result.error).toMatch(/invalid transparency proof/);
    });

    it('a log truncated and re-grown differently', () => {
      const regrown = buildLog(250);
      for (let i = 0; i < 400; i += 1) regrown.append(Buffer.from(`{"other":${i}}`));
      const forged = regrown.publishCheckpoint(ORIGIN, [signer]);
      const result = goCheck({
        mode: 'consistency',
        verifierKeys: [verifierKey],
        origin: ORIGIN,
        checkpoint: forged.note,
        oldCheckpoint: early.note,
        proof: b64(regrown.consistencyProof(300, 650)),
      });
      expect(result.error).toMatch(/invalid transparency proof/);
    });

    it('a tampered tile', () => {
      const dir = path.join(work, 'tampered-tiles');
      exportTiles(log, dir, checkpoint);
      const file = path.join(dir, 'tile', '0', '001');
      const bytes = readFileSync(file);
      bytes[100]! ^= 1;
      writeFileSync(file, bytes);
      const result = goCheck({
        mode: 'tiles',
        verifierKeys: [verifierKey],
        origin: ORIGIN,
        checkpoint: checkpoint.note,
        tileDir: dir,
        indexes: [300],
      });
      expect(result.error).toMatch(/inconsistent tile|proof derived from the tiles for entry 300: invalid transparency proof/);
    });

    it('an edited entry bundle', () => {
      const dir = path.join(work, 'tampered-entries');
      exportTiles(log, dir, checkpoint);
      const file = path.join(dir, 'tile', 'entries', '000');
      const bundle = readFileSync(file);
      // Entry 3 starts after three length-prefixed entries; change one byte inside it, keeping every length.
      let offset = 0;
      for (let i = 0; i < 3; i += 1) offset += 2 + bundle.readUInt16BE(offset);
      bundle[offset + 2 + 20]! ^= 1;
      writeFileSync(file, bundle);
      const result = goCheck({ mode: 'tiles', verifierKeys: [verifierKey], origin: ORIGIN, checkpoint: checkpoint.note, tileDir: dir, indexes: [3] });
      expect(result.error).toMatch(/entry 3 in its bundle does not hash to the leaf/);
    });
  });
});
