import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { inTransaction, type Db } from '../db/open.js';
import { signAttestation } from './attestation.js';
import { TamperedError } from './errors.js';
import type { DsseSigner } from './dsse.js';
import type { LogStore } from './log-store.js';
import type { ReviewStatement } from './statement.js';

export interface LoggedAttestation {
  /** The entry's index in the log: what a lock entry and an inclusion proof name. */
  index: number;
  pkgbase: string;
  commit: string;
  decision: ReviewStatement['predicate']['decision'];
  /** sha256 hex of `line`. */
  digest: string;
  /** The envelope's canonical JSON: one `.intoto.jsonl` line (without its newline) and the log entry itself. */
  line: Buffer;
}

/**
 * Signs review statements and appends them to the log, indexing each by its subject (the only module
 * that writes tlog_attestations). The entry and its index row are written in one transaction, inside
 * the caller's when there is one: a decision and its attestation are recorded together or not at all.
 */
export class AttestationLog {
  private readonly insert: Statement<[number, string, string, string, string]>;
  private readonly bySubject: Statement<[string, string], { leaf_idx: number; decision: string; digest: string }>;

  constructor(
    private readonly db: Db,
    private readonly store: LogStore,
  ) {
    this.insert = db.prepare('INSERT INTO tlog_attestations (leaf_idx, pkgbase, commit_id, decision, digest) VALUES (?, ?, ?, ?, ?)');
    this.bySubject = db.prepare('SELECT leaf_idx, decision, digest FROM tlog_attestations WHERE pkgbase = ? AND commit_id = ? ORDER BY leaf_idx');
  }

  record(statement: ReviewStatement, signer: DsseSigner, now = Date.now()): LoggedAttestation {
    const signed = signAttestation(statement, signer);
    const { pkgbase, decision } = statement.predicate;
    const commit = statement.subject[0].digest.gitCommit;
    return inTransaction(this.db, () => {
      const { index } = this.store.append(signed.bytes, now);
      this.insert.run(index, pkgbase, commit, decision, signed.digest);
      return { index, pkgbase, commit, decision, digest: signed.digest, line: signed.bytes };
    });
  }

  /**
   * Appends an entry another server signed and logged (a replica keeping its primary's log), with its
   * index row; the caller verified its signature (verifyAttestation) and checks the tree's root after.
   */
  appendSigned(line: Buffer, statement: ReviewStatement, now = Date.now()): LoggedAttestation {
    const { pkgbase, decision } = statement.predicate;
    const commit = statement.subject[0].digest.gitCommit;
    const digest = createHash('sha256').update(line).digest('hex');
    return inTransaction(this.db, () => {
      const { index } = this.store.append(line, now);
      this.insert.run(index, pkgbase, commit, decision, digest);
      return { index, pkgbase, commit, decision, digest, line };
    });
  }

  /** Every attestation about one revision, oldest first (an approval, then perhaps its revocation). */
  find(pkgbase: string, commit: string): LoggedAttestation[] {
    return this.bySubject.all(pkgbase, commit).map((row) => ({
      index: row.leaf_idx,
      pkgbase,
      commit,
      decision: row.decision as LoggedAttestation['decision'],
      digest: row.digest,
      // The entry itself is the log store's (it owns tlog_leaves); this table only indexes it.
      line: this.entryAt(row.leaf_idx),
    }));
  }

  private entryAt(index: number): Buffer {
    const [entry] = this.store.leaves(index, 1);
    if (!entry) throw new TamperedError('corrupt-store', `the log has no entry ${index}, which tlog_attestations names`);
    return entry;
  }

  /** The `.intoto.jsonl` file served at `/attestations/<pkgbase>/<commit>.intoto.jsonl`. */
  jsonl(pkgbase: string, commit: string): string {
    return this.find(pkgbase, commit)
      .map((attestation) => `${attestation.line.toString('utf8')}\n`)
      .join('');
  }
}
