import type { SourceEntry } from '../srcinfo/sources.js';
import type { RiskFlag } from './risk/types.js';

/**
 * Sources the hermetic cache cannot pin: a remote file whose every checksum is SKIP (its bytes are
 * whatever the host sends that day) and every VCS source (makepkg clones it at build time; a
 * `#tag=`/`#branch=` is resolved to a commit for the record, but a build still follows the ref).
 * Each is a medium flag until a reviewer accepts the revision's unpinned sources; then one info
 * flag says who accepted them. Pure: the caller passes the entries and the acceptance.
 */
export interface SourceAcceptanceFact {
  by: string;
  note: string;
}

export function unpinnedSources(entries: readonly SourceEntry[]): SourceEntry[] {
  return entries.filter((entry) => entry.kind === 'vcs' || (entry.kind === 'remote' && entry.checksums.length === 0));
}

export function unpinnedSourceFlags(entries: readonly SourceEntry[], acceptance: SourceAcceptanceFact | null): RiskFlag[] {
  const unpinned = unpinnedSources(entries);
  if (unpinned.length === 0) return [];
  if (acceptance) {
    const names = unpinned.map((entry) => entry.filename).join(', ');
    return [
      {
        check: 'unpinned-source',
        severity: 'info',
        reason: `unpinned sources (${names}) accepted by ${acceptance.by}${acceptance.note ? `: ${acceptance.note}` : ''}`,
        file: '.SRCINFO',
      },
    ];
  }
  return unpinned.map((entry) => ({
    check: 'unpinned-source',
    severity: 'medium',
    reason:
      entry.kind === 'vcs'
        ? `source ${entry.filename}${archNote(entry)} is a ${entry.protocol} checkout: not pinned by a checksum, not in the source cache`
        : `source ${entry.filename}${archNote(entry)} has only SKIP checksums: the cache stores whatever the host sent`,
    file: '.SRCINFO',
  }));
}

const archNote = (entry: SourceEntry): string => (entry.arch === 'any' ? '' : ` (${entry.arch})`);
