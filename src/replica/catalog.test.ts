import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inTransaction, openDatabase } from '../db/open.js';
import { ReplicaCatalog } from './catalog.js';
import { claimReplica, markApplied, readFollowerState } from './follower-state.js';
import { recordReplicaApproval, recordReplicaRevocation } from './revisions.js';

const open = () => openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'aurgate-replica-')), 'aurgate.db'));
const srcinfo = (pkgbase: string, pkgver: string, names = [pkgbase]) =>
  `pkgbase = ${pkgbase}\n\tpkgver = ${pkgver}\n\tpkgrel = 1\n\tarch = any\n\tdepends = glibc\n${names.map((name) => `\npkgname = ${name}\n`).join('')}`;
const commit = (n: number) => String(n).repeat(40).slice(0, 40);

function approve(db: ReturnType<typeof open>, index: number, pkgbase: string, pkgver: string, id: string, names?: string[]) {
  inTransaction(db, () => {
    recordReplicaApproval(db, {
      pkgbase,
      commit: id,
      version: `${pkgver}-1`,
      srcinfoText: srcinfo(pkgbase, pkgver, names),
      maintainer: 'someone',
      reviewers: ['alice', 'bob'],
      authorDate: 1000,
      committerDate: 2000,
      logIndex: index,
      approvedAt: 5_000_000,
    });
    markApplied(db, index, 10);
  });
}

describe('replica catalog', () => {
  it('serves the newest approval of each package, names revoked ones, and follows re-admissions', () => {
    const db = open();
    claimReplica(db, 'primary.example', 'http://primary.example', 0);
    const catalog = new ReplicaCatalog(db);
    approve(db, 0, 'split', '1', commit(1), ['split-a', 'split-b']);
    approve(db, 1, 'split', '2', commit(2), ['split-a', 'split-b']);
    approve(db, 2, 'lone', '1', commit(3));
    expect(catalog.packages().map((pkg) => `${pkg.Name} ${pkg.Version}`)).toEqual(['lone 1-1', 'split-a 2-1', 'split-b 2-1']);
    expect(catalog.availability('split-b')).toEqual({ kind: 'served', pkgbase: 'split', commit: commit(2) });
    expect(catalog.packages()[0]).toMatchObject({ Maintainer: 'someone', FirstSubmitted: 1000, LastModified: 2000, NumVotes: 0 });
    expect(catalog.approvedRevision('split', commit(2))).toEqual({ version: '2-1', approvedBy: 'alice, bob', approvedAt: 5_000_000 });

    const generation = catalog.generation();
    inTransaction(db, () => {
      recordReplicaRevocation(db, { pkgbase: 'split', commit: commit(2), version: '2-1', reason: 'bad', logIndex: 3, reviewers: [] });
      recordReplicaRevocation(db, { pkgbase: 'lone', commit: commit(3), version: '1-1', reason: 'worse', logIndex: 4, reviewers: [] });
      markApplied(db, 3, null);
    });
    expect(catalog.generation()).toBeGreaterThan(generation);
    expect(catalog.availability('split')).toEqual({ kind: 'served', pkgbase: 'split', commit: commit(1) });
    expect(catalog.availability('lone')).toEqual({ kind: 'unavailable', reason: 'revoked', pkgbase: 'lone' });
    expect(catalog.availability('never')).toEqual({ kind: 'unavailable', reason: 'unknown', pkgbase: null });
    expect(catalog.revisionAvailability('split', commit(2))).toEqual({ kind: 'revoked', reason: 'bad' });
    expect(catalog.approvedRevision('split', commit(2))).toBeNull();

    approve(db, 4, 'split', '2', commit(2), ['split-a', 'split-b']);
    expect(catalog.availability('split')).toEqual({ kind: 'served', pkgbase: 'split', commit: commit(2) });
    expect(readFollowerState(db)?.appliedSize).toBe(5);
  });

  it('a data dir follows one log only, and never a primary’s', () => {
    const db = open();
    expect(() => claimReplica(db, 'primary.example', 'http://primary.example', 3)).toThrow(/holds a primary/);
    claimReplica(db, 'primary.example', 'http://primary.example', 0);
    expect(() => claimReplica(db, 'other.example', 'http://other.example', 0)).toThrow(/replicates the log primary.example/);
    expect(claimReplica(db, 'primary.example', 'http://moved.example', 5).primaryUrl).toBe('http://moved.example');
  });
});
