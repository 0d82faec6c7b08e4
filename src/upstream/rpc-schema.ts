import { z } from 'zod';

/**
 * What we accept from the upstream AUR RPC. Upstream data is untrusted: every field we use is checked
 * for its type, and unknown fields are dropped.
 */
const stringList = z.array(z.string()).optional().default([]);

export const upstreamPackageSchema = z.object({
  ID: z.number().int(),
  Name: z.string(),
  PackageBaseID: z.number().int(),
  PackageBase: z.string(),
  Version: z.string(),
  Description: z.string().nullable().optional().default(null),
  URL: z.string().nullable().optional().default(null),
  NumVotes: z.number().int().nonnegative(),
  Popularity: z.number().nonnegative(),
  OutOfDate: z.number().int().nullable().optional().default(null),
  Maintainer: z.string().nullable().optional().default(null),
  Submitter: z.string().nullable().optional().default(null),
  FirstSubmitted: z.number().int(),
  LastModified: z.number().int(),
  Keywords: stringList,
  CoMaintainers: stringList,
});

export type UpstreamPackage = z.infer<typeof upstreamPackageSchema>;

export const rpcEnvelopeSchema = z.object({
  type: z.string(),
  version: z.number().int().nullable().optional(),
  resultcount: z.number().int().nonnegative(),
  results: z.array(z.unknown()),
  error: z.string().optional(),
});

/** The pkgbase-level metadata recorded with each revision (shared by all pkgnames of a pkgbase). */
export interface UpstreamMeta {
  PackageBaseID: number;
  /** pkgname → upstream package ID */
  IDs: Record<string, number>;
  Version: string;
  Maintainer: string | null;
  Submitter: string | null;
  CoMaintainers: string[];
  Keywords: string[];
  NumVotes: number;
  Popularity: number;
  OutOfDate: number | null;
  FirstSubmitted: number;
  LastModified: number;
}

export function metaFromPackages(packages: readonly UpstreamPackage[]): UpstreamMeta {
  const first = packages[0];
  if (!first) throw new Error('metaFromPackages needs at least one package');
  return {
    PackageBaseID: first.PackageBaseID,
    IDs: Object.fromEntries(packages.map((pkg) => [pkg.Name, pkg.ID])),
    Version: first.Version,
    Maintainer: first.Maintainer,
    Submitter: first.Submitter,
    CoMaintainers: first.CoMaintainers,
    Keywords: first.Keywords,
    NumVotes: first.NumVotes,
    Popularity: first.Popularity,
    OutOfDate: first.OutOfDate,
    FirstSubmitted: first.FirstSubmitted,
    LastModified: Math.max(...packages.map((pkg) => pkg.LastModified)),
  };
}
