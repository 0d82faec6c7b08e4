import type { Db } from '../db/open.js';
import { NotFound } from '../errors.js';
import { AttestationLog } from './attestation-log.js';
import { LogStore } from './log-store.js';
import type { PublishedLog } from './published-log.js';
import type { TileCoordinate } from './tiles.js';

/**
 * Another server's approval log as a replica keeps it: the primary's entries and signed checkpoints,
 * stored only after their signatures and the tree verified, and served as the primary serves them.
 * It signs nothing (a replica holds no private key); its pinned keys are the ones it was told to trust.
 */
export class MirroredLog implements PublishedLog {
  readonly store: LogStore;
  readonly attestationLog: AttestationLog;

  constructor(
    db: Db,
    readonly origin: string,
    private readonly pinnedKeysText: string,
  ) {
    this.store = new LogStore(db);
    this.attestationLog = new AttestationLog(db, this.store);
  }

  pinnedKeys(): string {
    return this.pinnedKeysText;
  }

  checkpoint(): string {
    const latest = this.store.latestCheckpoint();
    if (!latest) throw new NotFound('this replica has not verified a checkpoint of its primary yet');
    return latest.note;
  }

  /** The verified tree: entries beyond the latest verified checkpoint are never served. */
  size(): number {
    return this.store.latestCheckpoint()?.size ?? 0;
  }

  tile(tile: TileCoordinate): Buffer | null {
    return this.store.tile(tile, this.size());
  }

  inclusionProof(index: number, size: number): Buffer[] {
    return this.store.inclusionProof(index, size);
  }

  consistencyProof(from: number, to: number): Buffer[] {
    return this.store.consistencyProof(from, to);
  }

  attestations(pkgbase: string, commit: string): string {
    const size = this.size();
    return this.attestationLog
      .find(pkgbase, commit)
      .filter((entry) => entry.index < size)
      .map((entry) => `${entry.line.toString('utf8')}\n`)
      .join('');
  }

  /** The newest approval attestation of a revision (what a lock entry names), or null. */
  approvalOf(pkgbase: string, commit: string): { index: number; digest: string } | null {
    const size = this.size();
    return (
      this.attestationLog
        .find(pkgbase, commit)
        .filter((entry) => entry.decision === 'approved' && entry.index < size)
        .at(-1) ?? null
    );
  }
}
