/**
 * Types of revision classification (see classify.ts).
 */

/**
 * What kind of change a pending revision is, from the least to the most demanding review:
 * `routine` (only pkgver/pkgrel/epoch, checksums, and sources that differ only by the version),
 * `metadata-only` (descriptions, dependencies, comments, maintainer), `sources-changed`,
 * `build-logic-changed`, `install-time-code-changed`; `first-revision` has nothing to compare with.
 */
export type RevisionClass = 'first-revision' | 'routine' | 'metadata-only' | 'sources-changed' | 'build-logic-changed' | 'install-time-code-changed';

export type ChangeClass = Exclude<RevisionClass, 'first-revision'>;

/** Most demanding first: the class of a revision is the first of these that any change implies. */
export const CLASS_PRECEDENCE: readonly ChangeClass[] = [
  'install-time-code-changed',
  'build-logic-changed',
  'sources-changed',
  'metadata-only',
  'routine',
];

export interface SemanticChange {
  /** The class this change implies on its own. */
  class: ChangeClass;
  /** A short machine-readable kind: version, checksum, source, metadata, function, top-level, file, install, maintainer, srcinfo, comment. */
  kind: string;
  /** One line for a reviewer, e.g. `pkgver 1.2.3 → 1.2.4` or `build() changed (+3 −1 lines)`. */
  text: string;
  file?: string;
  line?: number;
}

export interface Classification {
  class: RevisionClass;
  /** Every class that applies, most demanding first (the first is `class`). */
  classes: RevisionClass[];
  /** The condensed semantic change, most demanding first. */
  changes: SemanticChange[];
}

/** Collects changes, dropping exact duplicates (the PKGBUILD and .SRCINFO views often agree). */
export class ChangeSink {
  readonly changes: SemanticChange[] = [];
  private readonly seen = new Set<string>();

  add(cls: ChangeClass, kind: string, text: string, at: { file?: string; line?: number } = {}): void {
    const key = `${cls}\u0000${text}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.changes.push({ class: cls, kind, text, ...at });
  }
}
