/**
 * `node --import tsx bench/trust-log.ts [entries]`: the transparency log's costs on real SQLite files,
 * each beside a same-run baseline (a plain blob INSERT per transaction, the least any durable append
 * can cost). The end-to-end costs (approval latency with signing and logging, verifying a 200-entry
 * lock over HTTP) are in bench/trust-approval.ts.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../src/db/open.js';
import { AttestationLog } from '../src/trust/attestation-log.js';
import { signAttestation, verifyAttestation } from '../src/trust/attestation.js';
import { openCheckpoint } from '../src/trust/checkpoint.js';
import { rawPublicKey, signEd25519 } from '../src/trust/ed25519.js';
import { keyIdOf } from '../src/trust/key-store.js';
import { LogStore } from '../src/trust/log-store.js';
import { leafHash, verifyInclusion } from '../src/trust/merkle.js';
import { noteSigner, noteVerifier } from '../src/trust/signed-note.js';
import { approvalStatement, type DecisionFacts } from '../src/trust/statement.js';
import { exportTiles } from '../src/trust/tile-export.js';

const entries = Number(process.argv[2] ?? 10_000);
const ORIGIN = 'bench.aurgate.example/log';
const root = mkdtempSync(path.join(os.tmpdir(), 'aurgate-bench-tlog-'));
const key = generateKeyPairSync('ed25519');
const keyid = keyIdOf(rawPublicKey(key.publicKey));
const dsse = { keyid, sign: (message: Uint8Array) => signEd25519(key.privateKey, message) };
const notes = [noteSigner(ORIGIN, key.privateKey)];
const trusted = [{ keyid, publicKey: key.publicKey }];

const facts = (i: number): DecisionFacts => ({
  pkgbase: `pkg${i}`,
  pkgnames: [`pkg${i}`, `pkg${i}-docs`],
  version: `${i}.0-1`,
  commit: i.toString(16).padStart(40, '0'),
  archiveSha256: i.toString(16).padStart(64, 'a'),
  baseCommit: (i + 1).toString(16).padStart(40, '0'),
  reviewers: [
    { name: 'alice', approvedAt: new Date(1_780_000_000_000 + i) },
    { name: 'bob', approvedAt: new Date(1_780_000_000_500 + i) },
  ],
  requiredApprovals: 2,
  riskFlags: [{ check: 'new-source-host', severity: 'medium', reason: 'A source URL points at a host not used before.', file: 'PKGBUILD', line: 12 }],
  upstreamMaintainer: 'maint',
  decidedAt: new Date(1_780_000_000_500 + i),
  servedCommits: [i.toString(16).padStart(40, '0')],
});

const time = <T>(fn: () => T): [T, number] => {
  const start = performance.now();
  const result = fn();
  return [result, performance.now() - start];
};
const db = (name: string) => openDatabase(path.join(root, `${name}.db`));
const rows: Array<[string, string, string]> = [];
const row = (what: string, ms: number, baseline?: number) =>
  rows.push([what, `${ms.toFixed(1)} ms`, baseline === undefined ? '' : `${(ms / baseline).toFixed(2)}× baseline`]);

const lines = Array.from({ length: entries }, (_, i) => signAttestation(approvalStatement(facts(i)), dsse).bytes);
process.stdout.write(`${entries} entries of ~${lines[0]?.length} bytes (signed attestations), work dir ${root}\n`);

const plain = db('baseline');
plain.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)');
const insert = plain.prepare('INSERT INTO blobs (id, data) VALUES (?, ?)');
const [, baseline] = time(() => lines.forEach((line, i) => plain.transaction(() => insert.run(i, line)).immediate()));
row(`baseline: ${entries} blob INSERTs, one transaction each`, baseline);

const store = new LogStore(db('log'));
const [, appendMs] = time(() => lines.forEach((line) => store.append(line)));
row(`append ${entries} entries (leaf + subtree hashes), one transaction each`, appendMs, baseline);
const [checkpoint, checkpointMs] = time(() => store.publishCheckpoint(ORIGIN, notes));
row(`sign the checkpoint of ${entries} entries (first: checks every entry)`, checkpointMs);

const approvals = 1000;
const attestationDb = db('approvals');
const attestations = new AttestationLog(attestationDb, new LogStore(attestationDb));
const approvalStore = new LogStore(attestationDb);
const [, approvalMs] = time(() => {
  for (let i = 0; i < approvals; i += 1) {
    attestations.record(approvalStatement(facts(i)), dsse);
    approvalStore.publishCheckpoint(ORIGIN, notes);
  }
});
row(`per approval: build + sign statement, append, index, sign checkpoint (mean of ${approvals})`, approvalMs / approvals, baseline / entries);

const probes = Array.from({ length: 1000 }, (_, i) => (i * 7919) % entries);
const [proofs, inclusionMs] = time(() => probes.map((index) => store.inclusionProof(index, checkpoint.size)));
row('inclusion proof (mean of 1000)', inclusionMs / probes.length);
const [, consistencyMs] = time(() => probes.map((index) => store.consistencyProof(index + 1, checkpoint.size)));
row('consistency proof (mean of 1000)', consistencyMs / probes.length);

const verifier = [noteVerifier(ORIGIN, key.publicKey)];
const lock = probes.slice(0, 200);
const [, verifyMs] = time(() => {
  const opened = openCheckpoint(checkpoint.note, verifier, ORIGIN);
  lock.forEach((index, i) => {
    const line = lines[index] as Buffer;
    const f = facts(index);
    verifyAttestation(line, trusted, { pkgbase: f.pkgbase, commit: f.commit, sha256: f.archiveSha256 ?? '' });
    if (!verifyInclusion(leafHash(line), index, opened.size, proofs[i] as Buffer[], opened.rootHash)) throw new Error('inclusion failed');
  });
});
row('verify a 200-entry lock offline (signature, subject, inclusion; proofs at hand)', verifyMs);

const [, integrityMs] = time(() => store.verifyIntegrity());
row(`full integrity scan of ${entries} entries`, integrityMs, baseline);
const [written, exportMs] = time(() => exportTiles(store, path.join(root, 'tiles'), checkpoint));
row(`export ${written} tiles and bundles`, exportMs);

const width = Math.max(...rows.map(([what]) => what.length));
for (const [what, value, ratio] of rows) process.stdout.write(`${what.padEnd(width)}  ${value.padStart(11)}  ${ratio}\n`);
