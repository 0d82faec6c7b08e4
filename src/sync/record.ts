import type { Db } from '../db/open.js';
import { inTransaction } from '../db/open.js';
import { describeError } from '../errors.js';
import { readRangeAndFile } from '../git/batch.js';
import { commitInfo, commitsBetween, hasCommit, isAncestor, type CommitInfo } from '../git/history.js';
import { appendAudit } from '../quarantine/audit.js';
import { recordCheck, setUpstreamHead, type PackageRecord } from '../quarantine/packages.js';
import {
  getPendingRevision,
  getRevision,
  getServedRevision,
  insertPendingRevision,
  transitionRevision,
  type NewRevision,
} from '../quarantine/revisions.js';
import { fullVersion, MAX_SRCINFO_BYTES, parseSrcinfo } from '../srcinfo/parse.js';
import type { Srcinfo } from '../srcinfo/types.js';
import type { MirrorRepos } from '../upstream/git-mirror.js';
import type { UpstreamMeta } from '../upstream/rpc-schema.js';

export type RecordOutcome = 'unchanged' | 'new-revision' | 'known-revision';

interface ParsedSrcinfo {
  text: string | null;
  srcinfo: Srcinfo | null;
  error: string | null;
  version: string | null;
}

function parseSrcinfoBlob(blob: Buffer | null, size: number | null): ParsedSrcinfo {
  if (!blob) {
    const error = size === null ? 'the commit has no .SRCINFO' : `.SRCINFO: larger than ${MAX_SRCINFO_BYTES} bytes`;
    return { text: null, srcinfo: null, error, version: null };
  }
  const text = blob.toString('utf8');
  try {
    const srcinfo = parseSrcinfo(text);
    return { text, srcinfo, error: null, version: fullVersion(srcinfo) };
  } catch (error) {
    return { text, srcinfo: null, error: describeError(error), version: null };
  }
}

/**
 * Turns a fetched upstream head into the package's pending revision. Git reads happen first; the
 * database changes (supersede, insert, audit, bookkeeping) then happen in one transaction, so a crash
 * at any point leaves either the old state or the new one, and the next run simply repeats the work.
 */
export async function recordUpstreamHead(
  db: Db,
  mirror: MirrorRepos,
  pkg: PackageRecord,
  head: string,
  meta: UpstreamMeta | null,
  fullCheck: boolean,
): Promise<RecordOutcome> {
  const check = { meta, status: 'present' as const, fetched: true, fullCheck };
  if (head === pkg.upstreamHead) {
    recordCheck(db, pkg.pkgbase, check);
    return 'unchanged';
  }
  await mirror.keepRevision(pkg.pkgbase, head);
  const repo = mirror.repoPath(pkg.pkgbase);
  const previousHead = pkg.upstreamHead;
  const rewritten = previousHead !== null && (await hasCommit(repo, previousHead)) && !(await isAncestor(repo, previousHead, head));

  if (getRevision(db, pkg.pkgbase, head)) {
    returnToKnownRevision(db, pkg, head, previousHead, rewritten, check);
    return 'known-revision';
  }

  const served = getServedRevision(db, pkg.pkgbase);
  const base = served && (await isAncestor(repo, served.commit, head)) ? served.commit : null;
  // One git process reads the range and the .SRCINFO in the common case (a linear history).
  const read = await readRangeAndFile(repo, base, head, '.SRCINFO');
  const commits: CommitInfo[] = read.commits?.map(({ parents: _parents, ...commit }) => commit) ?? (await commitsBetween(repo, base, head));
  const srcinfo = parseSrcinfoBlob(read.file, read.fileSize);
  const headInfo = commits[0]?.id === head ? commits[0] : await commitInfo(repo, head);
  const revision: NewRevision = {
    pkgbase: pkg.pkgbase,
    commit: head,
    baseCommit: served?.commit ?? null,
    previousHead,
    historyRewritten: rewritten || (served !== null && base === null),
    commits,
    head: headInfo,
    srcinfoText: srcinfo.text,
    srcinfo: srcinfo.srcinfo,
    srcinfoError: srcinfo.error,
    version: srcinfo.version,
    upstreamMeta: meta,
  };
  inTransaction(db, () => {
    insertPendingRevision(db, revision);
    if (revision.historyRewritten) {
      appendAudit(db, {
        actor: 'sync',
        channel: 'system',
        action: 'upstream.history-rewritten',
        pkgbase: pkg.pkgbase,
        commit: head,
        detail: { previousHead, approved: served?.commit ?? null },
      });
    }
    setUpstreamHead(db, pkg.pkgbase, head);
    recordCheck(db, pkg.pkgbase, check);
  });
  return 'new-revision';
}

/**
 * Upstream moved back to a commit already recorded (a force-push undoing a change). Nothing new needs
 * review; a revision still pending is no longer what upstream ships, so it is superseded.
 */
function returnToKnownRevision(
  db: Db,
  pkg: PackageRecord,
  head: string,
  previousHead: string | null,
  rewritten: boolean,
  check: Parameters<typeof recordCheck>[2],
): void {
  inTransaction(db, () => {
    const pending = getPendingRevision(db, pkg.pkgbase);
    if (pending && pending.commit !== head) {
      transitionRevision(db, pending, 'superseded', { by: 'sync', note: `upstream returned to ${head}`, at: Date.now() });
      appendAudit(db, {
        actor: 'sync',
        channel: 'system',
        action: 'revision.superseded',
        pkgbase: pkg.pkgbase,
        commit: pending.commit,
        detail: { by: head },
      });
    }
    appendAudit(db, {
      actor: 'sync',
      channel: 'system',
      action: rewritten ? 'upstream.history-rewritten' : 'upstream.head-returned',
      pkgbase: pkg.pkgbase,
      commit: head,
      detail: { previousHead },
    });
    setUpstreamHead(db, pkg.pkgbase, head);
    recordCheck(db, pkg.pkgbase, check);
  });
}
