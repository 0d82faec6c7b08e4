import { DependencyCycle } from '../errors.js';
import { dependencyTarget } from '../srcinfo/rpc-fields.js';
import type { LockGap } from './lock-file.js';

/**
 * The AUR dependency closure of a lock, in build order. Pure: the caller hands in what is served and
 * how to tell an AUR package that is not served from one of the official repositories.
 */

/** One served pkgname as its approved .SRCINFO describes it (all arches merged, like the RPC). */
export interface ServedNode {
  pkgname: string;
  pkgbase: string;
  /** depends, makedepends and checkdepends as written (`foo>=1`, `libbar.so=2-64`). */
  dependencies: readonly string[];
  provides: readonly string[];
}

export interface ClosureEntry {
  pkgname: string;
  pkgbase: string;
  /** Named by the caller (as opposed to pulled in as a dependency). */
  requested: boolean;
  /** The locked pkgnames that satisfy this pkgbase's AUR dependencies. */
  dependencies: string[];
  /** The locked pkgnames whose pkgbase depends on this entry. */
  requiredBy: string[];
}

export interface Closure {
  /** Build order: every entry after the entries it depends on; a pkgbase's entries are adjacent. */
  entries: ClosureEntry[];
  missing: LockGap[];
}

export interface ClosureInput {
  /** The named packages, resolved to their served pkgbase, in the order given. */
  roots: ReadonlyArray<{ pkgname: string; pkgbase: string }>;
  served: readonly ServedNode[];
  /** Why an AUR package is not served, or null when aurgate does not know it as an AUR package. */
  missingReason: (name: string) => string | null;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

class ServedIndex {
  readonly byName = new Map<string, ServedNode>();
  readonly providers = new Map<string, ServedNode[]>();
  readonly byBase = new Map<string, ServedNode[]>();

  constructor(served: readonly ServedNode[]) {
    for (const node of [...served].sort((a, b) => byText(a.pkgname, b.pkgname))) {
      this.byName.set(node.pkgname, node);
      this.byBase.set(node.pkgbase, [...(this.byBase.get(node.pkgbase) ?? []), node]);
      for (const provided of new Set(node.provides.map(dependencyTarget))) {
        if (provided !== null) this.providers.set(provided, [...(this.providers.get(provided) ?? []), node]);
      }
    }
  }

  /** Every dependency name a pkgbase's split packages declare, sorted. */
  dependencyNames(pkgbase: string): string[] {
    const names = (this.byBase.get(pkgbase) ?? []).flatMap((node) => node.dependencies.map(dependencyTarget));
    return [...new Set(names.filter((name): name is string => name !== null))].sort(byText);
  }
}

/**
 * What satisfies `name` for `pkgbase`: the pkgbase itself (split sibling or its own provides), a served
 * pkgname, else a served provider (one of the named packages first, then the first by pkgname, so the
 * choice never depends on traversal order), else nothing.
 */
function satisfier(index: ServedIndex, pkgbase: string, name: string, rootBases: ReadonlySet<string>): ServedNode | 'self' | null {
  const own = index.byBase.get(pkgbase) ?? [];
  if (own.some((node) => node.pkgname === name)) return 'self';
  const exact = index.byName.get(name);
  if (exact) return exact;
  if (own.some((node) => node.provides.some((provided) => dependencyTarget(provided) === name))) return 'self';
  const providers = index.providers.get(name) ?? [];
  return providers.find((node) => rootBases.has(node.pkgbase)) ?? providers[0] ?? null;
}

/**
 * Walks depth first from the roots in the order given, dependencies in name order, and emits each
 * pkgbase after its dependencies (post-order): deterministic, and the named order is kept wherever
 * dependencies allow. A pkgbase met again while still on the walk's path is a cycle, which no build
 * order satisfies.
 */
export function resolveClosure(input: ClosureInput): Closure {
  const index = new ServedIndex(input.served);
  const rootBases = new Set(input.roots.map((root) => root.pkgbase));
  const pkgnames = new Map<string, { requested: string[]; pulled: Set<string> }>();
  /** pkgbase → the pkgnames that satisfy its dependencies. */
  const edges = new Map<string, Set<ServedNode>>();
  const gaps = new Map<string, { reason: string; requiredBy: Set<string> }>();
  const external = new Set<string>();
  const order: string[] = [];
  const done = new Set<string>();
  const path: string[] = [];

  const entryOf = (pkgbase: string): { requested: string[]; pulled: Set<string> } => {
    let names = pkgnames.get(pkgbase);
    if (!names) pkgnames.set(pkgbase, (names = { requested: [], pulled: new Set() }));
    return names;
  };
  for (const root of input.roots) {
    const names = entryOf(root.pkgbase);
    if (!names.requested.includes(root.pkgname)) names.requested.push(root.pkgname);
  }

  const visit = (pkgbase: string): void => {
    if (done.has(pkgbase)) return;
    const onPath = path.indexOf(pkgbase);
    if (onPath >= 0) throw new DependencyCycle([...path.slice(onPath), pkgbase]);
    path.push(pkgbase);
    const targets = new Set<ServedNode>();
    for (const name of index.dependencyNames(pkgbase)) {
      const found = satisfier(index, pkgbase, name, rootBases);
      if (found === 'self') continue;
      if (found === null) {
        recordGap(name, pkgbase);
        continue;
      }
      const names = entryOf(found.pkgbase);
      if (!names.requested.includes(found.pkgname)) names.pulled.add(found.pkgname);
      targets.add(found);
      visit(found.pkgbase);
    }
    edges.set(pkgbase, targets);
    path.pop();
    done.add(pkgbase);
    order.push(pkgbase);
  };

  const recordGap = (name: string, pkgbase: string): void => {
    if (external.has(name)) return;
    let gap = gaps.get(name);
    if (!gap) {
      const reason = input.missingReason(name);
      if (reason === null) return void external.add(name);
      gaps.set(name, (gap = { reason, requiredBy: new Set() }));
    }
    gap.requiredBy.add(pkgbase);
  };

  for (const root of input.roots) visit(root.pkgbase);
  return assemble(order, pkgnames, edges, gaps);
}

function assemble(
  order: readonly string[],
  pkgnames: ReadonlyMap<string, { requested: string[]; pulled: Set<string> }>,
  edges: ReadonlyMap<string, Set<ServedNode>>,
  gaps: ReadonlyMap<string, { reason: string; requiredBy: Set<string> }>,
): Closure {
  const namesOf = (pkgbase: string): string[] => {
    const names = pkgnames.get(pkgbase);
    return names ? [...names.requested, ...[...names.pulled].sort(byText)] : [pkgbase];
  };
  // Each pkgbase is named after the first of its entries wherever another entry refers to it.
  const label = (pkgbase: string): string => namesOf(pkgbase)[0] ?? pkgbase;
  const dependents = new Map<string, string[]>();
  for (const pkgbase of order) {
    for (const target of edges.get(pkgbase) ?? []) dependents.set(target.pkgbase, [...(dependents.get(target.pkgbase) ?? []), label(pkgbase)]);
  }
  const entries = order.flatMap((pkgbase) => {
    const requested = pkgnames.get(pkgbase)?.requested ?? [];
    const dependencies = [...new Set([...(edges.get(pkgbase) ?? [])].map((target) => target.pkgname))].sort(byText);
    const requiredBy = [...new Set(dependents.get(pkgbase) ?? [])].sort(byText);
    return namesOf(pkgbase).map((pkgname) => ({ pkgname, pkgbase, requested: requested.includes(pkgname), dependencies, requiredBy }));
  });
  const missing = [...gaps.entries()]
    .map(([name, gap]) => ({ name, reason: gap.reason, requiredBy: [...gap.requiredBy].map(label).sort(byText) }))
    .sort((a, b) => byText(a.name, b.name));
  return { entries, missing };
}
