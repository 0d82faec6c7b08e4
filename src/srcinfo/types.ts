/**
 * A parsed .SRCINFO. Values are kept as written, in order; repeated keys accumulate.
 * Architecture-specific keys keep their suffix (`depends_x86_64`).
 */
export type SrcinfoFields = Record<string, string[]>;

export interface SrcinfoSection {
  pkgname: string;
  /** Only the keys this pkgname section sets itself. An empty list means `key =` (cleared). */
  fields: SrcinfoFields;
}

export interface Srcinfo {
  pkgbase: string;
  /** Every key of the pkgbase section. */
  base: SrcinfoFields;
  /** One entry per pkgname section, in file order. */
  packages: SrcinfoSection[];
}

/**
 * What aurweb stores per pkgname and answers over RPC, derived from .SRCINFO alone
 * (pkgbase-level data such as votes and maintainer comes from upstream metadata, not from here).
 */
export interface SrcinfoRpcFields {
  Name: string;
  PackageBase: string;
  /** `[epoch:]pkgver-pkgrel` of the pkgbase, the same for every split package. */
  Version: string;
  Description: string | null;
  URL: string | null;
  License: string[];
  Depends: string[];
  MakeDepends: string[];
  CheckDepends: string[];
  /** Without the `: description` part. */
  OptDepends: string[];
  Conflicts: string[];
  Provides: string[];
  Replaces: string[];
  Groups: string[];
}
