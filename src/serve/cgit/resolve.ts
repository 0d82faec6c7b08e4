import { hasCommit, isAncestor } from '../../git/history.js';
import { packageRepoPath } from '../../git/repo-paths.js';
import { isFullCommitId, isValidPackageName } from '../../srcinfo/names.js';
import { unavailableMessage, type RevisionLookup, type ServedLookup } from '../../store/served-catalog.js';

export interface ResolveDeps {
  lookup: ServedLookup & RevisionLookup;
  servedRoot: string;
}

/** A served package's repo and the one commit of it a request may read. */
export interface Target {
  pkgbase: string;
  repo: string;
  head: string;
  commit: string;
}

export type Resolved = { ok: true; target: Target } | { ok: false; status: 404 | 410; message: string };

const refused = (status: 404 | 410, message: string): Resolved => ({ ok: false, status, message });

/**
 * `h=<name>` as every cgit URL gives it: a pkgbase, or a pkgname resolved to its pkgbase (yay -Gp
 * sends the pkgname it was given). This is the one place cgit URLs turn a name into a served repo.
 */
export function resolveName(deps: ResolveDeps, name: string): Resolved {
  if (!isValidPackageName(name)) return refused(404, 'aurgate: name a package with h=<pkgbase or pkgname>');
  const availability = deps.lookup.availability(name);
  if (availability.kind !== 'served') return refused(404, unavailableMessage(name, availability));
  const { pkgbase, commit } = availability;
  return { ok: true, target: { pkgbase, repo: packageRepoPath(deps.servedRoot, pkgbase), head: commit, commit } };
}

/**
 * The commit `id=` names, if it is served for this package: the approved head, an approved revision
 * the served repo holds, or a commit in the served head's history (every one of those was approved
 * as part of an approval's range, and git clone hands them out already). Anything else, a commit of
 * another package or one waiting in quarantine included, is refused without reading it.
 */
export async function resolveCommit(deps: ResolveDeps, target: Target, id: string): Promise<Resolved> {
  const { pkgbase, repo, head } = target;
  if (!isFullCommitId(id)) return refused(404, 'aurgate: id must be a full 40-hex commit id');
  if (id === head) return { ok: true, target };
  const revision = deps.lookup.revisionAvailability(pkgbase, id);
  // Checked before git, like /snapshot/: a withdrawn approval says so rather than "not found".
  if (revision.kind === 'revoked') return refused(410, `aurgate: ${pkgbase} ${id} was revoked: ${revision.reason}`);
  // hasCommit first: merge-base fails outright on an id the repo does not hold.
  const held = await hasCommit(repo, id);
  if (held && (revision.kind === 'approved' || (await isAncestor(repo, id, head)))) return { ok: true, target: { ...target, commit: id } };
  return refused(404, `aurgate: ${id} is not a served revision of ${pkgbase}`);
}

/** `h=` and the optional `id=` of a cgit URL, resolved together (an empty id means the head, as in cgit). */
export async function resolveTarget(deps: ResolveDeps, name: string, id: string | undefined): Promise<Resolved> {
  const resolved = resolveName(deps, name);
  if (!resolved.ok || !id) return resolved;
  return resolveCommit(deps, resolved.target, id);
}
