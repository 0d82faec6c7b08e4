import type { ServedPackage } from '../../src/store/served-catalog.js';

/** A served package record as the catalog holds it, with empty metadata except what `fields` sets (unit tests). */
export function servedPackage(name: string, fields: Partial<ServedPackage> = {}): ServedPackage {
  return {
    ID: 1,
    Name: name,
    PackageBase: name,
    PackageBaseID: 1,
    Version: '1-1',
    Description: null,
    URL: null,
    License: [],
    Depends: [],
    MakeDepends: [],
    CheckDepends: [],
    OptDepends: [],
    Conflicts: [],
    Provides: [],
    Replaces: [],
    Groups: [],
    NumVotes: 0,
    Popularity: 0,
    OutOfDate: null,
    FirstSubmitted: 0,
    LastModified: 0,
    Keywords: [],
    CoMaintainers: [],
    Maintainer: null,
    Submitter: null,
    URLPath: `/cgit/aur.git/snapshot/${name}.tar.gz`,
    commit: 'c'.repeat(40),
    approvedAt: 0,
    ...fields,
  };
}
