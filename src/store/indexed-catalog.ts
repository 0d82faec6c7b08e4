import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Availability, Catalog, ServedPackage } from './served-catalog.js';

interface Index {
  packages: ServedPackage[];
  byName: Map<string, ServedPackage>;
  /** Every served pkgbase and its approved head (also those whose .SRCINFO could not be parsed). */
  heads: Map<string, string>;
}

export interface ServedHead {
  pkgbase: string;
  commit: string;
}

/** How a catalog notices changes: a cheap "did anyone commit?" check, then the version of what it serves. */
export interface ChangeSignal {
  committed: () => boolean;
  version: () => number;
}

/**
 * The served index a catalog answers from, whatever holds the approved heads (the primary's
 * revisions, a replica's verified records): rebuilt only when their version moved, which another
 * process may do at any time. A head whose .SRCINFO cannot be turned into packages is still served
 * over git, by its pkgbase.
 */
export abstract class IndexedCatalog<Head extends ServedHead> implements Catalog {
  private index: Index = { packages: [], byName: new Map(), heads: new Map() };
  private gen = 0;
  private seenVersion = -1;

  protected constructor(
    private readonly changes: ChangeSignal,
    private readonly logger?: Logger,
  ) {}

  /** The approved heads to serve now. */
  protected abstract servedHeads(): Head[];
  /** One record per pkgname of a head; throws when its .SRCINFO is unusable. */
  protected abstract packagesOf(head: Head): ServedPackage[];
  /** Why a name nobody serves is not served. */
  protected abstract unavailable(name: string): Availability;

  generation(): number {
    this.refresh();
    return this.gen;
  }

  packages(): readonly ServedPackage[] {
    this.refresh();
    return this.index.packages;
  }

  availability(name: string): Availability {
    this.refresh();
    const pkg = this.index.byName.get(name);
    if (pkg) return { kind: 'served', pkgbase: pkg.PackageBase, commit: pkg.commit };
    const head = this.index.heads.get(name);
    if (head) return { kind: 'served', pkgbase: name, commit: head };
    return this.unavailable(name);
  }

  private refresh(): void {
    if (!this.changes.committed()) return;
    const version = this.changes.version();
    if (version === this.seenVersion) return;
    this.seenVersion = version;
    this.index = this.build(this.servedHeads());
    this.gen += 1;
  }

  private build(heads: Head[]): Index {
    const packages: ServedPackage[] = [];
    const byBase = new Map<string, string>();
    for (const head of heads) {
      byBase.set(head.pkgbase, head.commit);
      try {
        packages.push(...this.packagesOf(head));
      } catch (error) {
        this.logger?.warn({ pkgbase: head.pkgbase, err: describeError(error) }, 'approved revision has no usable .SRCINFO; served over git only');
      }
    }
    packages.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    return { packages, byName: new Map(packages.map((pkg) => [pkg.Name, pkg])), heads: byBase };
  }
}
