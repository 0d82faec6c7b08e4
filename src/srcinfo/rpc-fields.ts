import { isValidPackageName } from './names.js';
import { fullVersion, mergedFields, scalarField } from './parse.js';
import type { Srcinfo, SrcinfoFields, SrcinfoRpcFields } from './types.js';

/**
 * The RPC view of each pkgname section, in file order, as aurweb's `save_metadata` stores it and
 * its info query reads it back.
 */
export function rpcFieldsFromSrcinfo(info: Srcinfo): SrcinfoRpcFields[] {
  const version = fullVersion(info);
  return info.packages.map(({ pkgname }) => {
    const fields = mergedFields(info, pkgname);
    const dependencies = (key: string): string[] => dependencyList(fields, key);
    return {
      Name: pkgname,
      PackageBase: info.pkgbase,
      // Split packages all carry the pkgbase version: makepkg allows no per-package pkgver.
      Version: version,
      Description: scalarField(fields, 'pkgdesc') ?? null,
      URL: scalarField(fields, 'url') ?? null,
      License: distinct(fields.license ?? []),
      Depends: dependencies('depends'),
      MakeDepends: dependencies('makedepends'),
      CheckDepends: dependencies('checkdepends'),
      OptDepends: dependencies('optdepends'),
      Conflicts: dependencies('conflicts'),
      Provides: dependencies('provides'),
      Replaces: dependencies('replaces'),
      Groups: distinct(fields.groups ?? []),
    };
  });
}

/**
 * aurweb stores the generic entries and, for each architecture in the package's `arch` list, the
 * `<key>_<arch>` entries; the RPC query then selects DISTINCT without the arch column. So the
 * answer is one flat list, generic first, with variants for unlisted architectures never stored.
 */
function dependencyList(fields: SrcinfoFields, key: string): string[] {
  const keys = [key, ...(fields.arch ?? []).map((arch) => `${key}_${arch}`)];
  const values = distinct(keys).flatMap((name) => fields[name] ?? []);
  return distinct(values.map(withoutDescription));
}

/** aurweb stores DepName/RelName without the version condition or description (`foo>=1.2` → `foo`). */
export function relationName(entry: string): string {
  const cut = entry.search(/[<>=:]/);
  return (cut < 0 ? entry : entry.slice(0, cut)).trim();
}

/** The package a relation names (`foo>=1.2` → `foo`), or null when that is no valid package name. */
export function dependencyTarget(relation: string): string | null {
  const name = relationName(relation);
  return isValidPackageName(name) ? name : null;
}

/** Every package a .SRCINFO's depends, makedepends and checkdepends name, over its split packages and arches, sorted. */
export function dependencyNames(info: Srcinfo): string[] {
  const relations = rpcFieldsFromSrcinfo(info).flatMap((fields) => [...fields.Depends, ...fields.MakeDepends, ...fields.CheckDepends]);
  return [...new Set(relations.map(dependencyTarget).filter((name): name is string => name !== null))].sort();
}

/**
 * Drops an optdepends-style `: description`. Only a colon followed by a space (or ending the value,
 * as makepkg trims `foo: `) separates it; the colon of an epoch (`foo>=1:2.0`) does not.
 */
export function withoutDescription(dependency: string): string {
  const separator = /:(?: |$)/.exec(dependency);
  return separator === null ? dependency : dependency.slice(0, separator.index).trimEnd();
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}
