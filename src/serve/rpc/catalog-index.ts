import type { ServedPackage } from '../../store/served-catalog.js';
import { infoJson, searchJson } from './shape.js';
import { relationName } from '../../srcinfo/rpc-fields.js';

/** The `by` values whose match is an exact lookup in a precomputed map. */
export type ExactBy =
  | 'maintainer'
  | 'submitter'
  | 'comaintainers'
  | 'depends'
  | 'makedepends'
  | 'optdepends'
  | 'checkdepends'
  | 'provides'
  | 'conflicts'
  | 'replaces'
  | 'groups'
  | 'keywords';

function keysOf(pkg: ServedPackage, by: ExactBy): readonly string[] {
  switch (by) {
    case 'maintainer':
      return pkg.Maintainer === null ? [] : [pkg.Maintainer];
    case 'submitter':
      return pkg.Submitter === null ? [] : [pkg.Submitter];
    case 'comaintainers':
      return pkg.CoMaintainers ?? [];
    case 'depends':
      return (pkg.Depends ?? []).map(relationName);
    case 'makedepends':
      return (pkg.MakeDepends ?? []).map(relationName);
    case 'optdepends':
      return (pkg.OptDepends ?? []).map(relationName);
    case 'checkdepends':
      return (pkg.CheckDepends ?? []).map(relationName);
    case 'provides':
      return (pkg.Provides ?? []).map(relationName);
    case 'conflicts':
      return (pkg.Conflicts ?? []).map(relationName);
    case 'replaces':
      return (pkg.Replaces ?? []).map(relationName);
    case 'groups':
      return pkg.Groups ?? [];
    case 'keywords':
      return pkg.Keywords ?? [];
  }
}

const NONE: readonly number[] = [];

/**
 * Everything the RPC looks up, built once per catalog generation. Row numbers index `packages`,
 * which is sorted by Name, so every list of rows built in one pass is already in Name order.
 * Maps and serialized package fragments are made on first use: a generation that never sees a
 * `by=keywords` search never pays for that map.
 */
export class CatalogIndex {
  readonly packages: readonly ServedPackage[];
  private readonly byName = new Map<string, number>();
  private readonly exact = new Map<ExactBy, Map<string, number[]>>();
  private lowerNames: string[] | undefined;
  private lowerDescriptions: (string | null)[] | undefined;
  private orphanRows: number[] | undefined;
  private nameSuggestions: string[] | undefined;
  private baseSuggestions: string[] | undefined;
  private readonly infoFragments: (string | undefined)[] = [];
  private readonly searchFragments: (string | undefined)[] = [];

  constructor(packages: readonly ServedPackage[]) {
    this.packages = packages;
    packages.forEach((pkg, row) => {
      if (!this.byName.has(pkg.Name)) this.byName.set(pkg.Name, row);
    });
  }

  rowOf(name: string): number | undefined {
    return this.byName.get(name);
  }

  /** Exact match on one of the relation/user/keyword fields; rows sorted, each once. */
  exactRows(by: ExactBy, key: string): readonly number[] {
    let map = this.exact.get(by);
    if (!map) {
      map = this.buildExact(by);
      this.exact.set(by, map);
    }
    return map.get(key) ?? NONE;
  }

  orphans(): readonly number[] {
    this.orphanRows ??= this.rowsWhere((pkg) => pkg.Maintainer === null);
    return this.orphanRows;
  }

  /** MySQL's LIKE '%q%' under a case-insensitive collation; `q` must already be lower case. */
  nameContains(q: string, orDescription: boolean): number[] {
    this.lowerNames ??= this.packages.map((p) => p.Name.toLowerCase());
    this.lowerDescriptions ??= this.packages.map((p) => p.Description?.toLowerCase() ?? null);
    const names = this.lowerNames;
    const descs = this.lowerDescriptions;
    const rows: number[] = [];
    for (let row = 0; row < names.length; row++) {
      if (names[row]!.includes(q) || (orDescription && descs[row]?.includes(q) === true)) rows.push(row);
    }
    return rows;
  }

  /** LIKE 'q%' ordered by name, at most `limit`; `q` lower case. Binary search over the sorted names. */
  suggest(q: string, pkgbase: boolean, limit: number): string[] {
    const sorted = pkgbase
      ? (this.baseSuggestions ??= this.sortedLower((p) => p.PackageBase))
      : (this.nameSuggestions ??= this.sortedLower((p) => p.Name));
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]!.toLowerCase() < q) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < sorted.length && out.length < limit; i++) {
      const name = sorted[i]!;
      if (!name.toLowerCase().startsWith(q)) break;
      out.push(name);
    }
    return out;
  }

  infoFragment(row: number): string {
    return (this.infoFragments[row] ??= infoJson(this.packages[row]!));
  }

  searchFragment(row: number): string {
    return (this.searchFragments[row] ??= searchJson(this.packages[row]!));
  }

  private buildExact(by: ExactBy): Map<string, number[]> {
    const map = new Map<string, number[]>();
    this.packages.forEach((pkg, row) => {
      for (const k of keysOf(pkg, by)) {
        const rows = map.get(k);
        if (!rows) map.set(k, [row]);
        else if (rows[rows.length - 1] !== row) rows.push(row);
      }
    });
    return map;
  }

  private rowsWhere(test: (pkg: ServedPackage) => boolean): number[] {
    const rows: number[] = [];
    this.packages.forEach((pkg, row) => {
      if (test(pkg)) rows.push(row);
    });
    return rows;
  }

  private sortedLower(pick: (pkg: ServedPackage) => string): string[] {
    const distinct = [...new Set(this.packages.map(pick))];
    return distinct.sort((a, b) => {
      const la = a.toLowerCase();
      const lb = b.toLowerCase();
      return la < lb ? -1 : la > lb ? 1 : a < b ? -1 : a > b ? 1 : 0;
    });
  }
}
