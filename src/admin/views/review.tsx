import type { Principal } from '../auth/principal.js';
import type { ReviewModel } from '../../app/review.js';
import { Commit, Time } from './components.js';
import { AnchoredFlagList, ChangeSummary, ClassTag, CLASS_MEANING } from './review-class.js';
import { ChangedFiles, DiffToggle, DiffView, type DiffFormat } from './diff.js';
import { AdminLayout } from './layout.js';
import { ApprovalsLine, DecisionForms, MetaTable } from './review-parts.js';
import { BlockedHistoryNotice, RangeLog } from './range-parts.js';
import { barredCommits, blockingCommits } from '../../quarantine/servable-range.js';
import type { Revision } from '../../quarantine/revisions.js';

export function ReviewPage(props: { principal: Principal; model: ReviewModel; format: DiffFormat; notice?: string | undefined }) {
  const { revision, base, diff, meta, servedCommit, range, classification, annotations, intermediate } = props.model;
  const pkgbase = revision.pkgbase;
  const barred = barredCommits(range);
  const blocking = blockingCommits(range);
  const baseLabel =
    base === null ? null : base.state === 'revoked' ? 'Base (revoked)' : base.commit === servedCommit ? 'Served now' : 'Base (approved)';
  return (
    <AdminLayout title={`Review ${pkgbase}`} principal={props.principal} section="queue" notice={props.notice} diffStyles>
      <h1>
        Review {pkgbase} <span class="version">{revision.version ?? '(no version)'}</span>
      </h1>
      <dl class="facts">
        <dt>Candidate</dt>
        <dd>
          <code class="full-commit">{revision.commit}</code>
        </dd>
        <dt>Compared with</dt>
        <dd>
          {base ? (
            <>
              <Commit id={base.commit} /> {base.version ?? ''} <BaseState base={base} servedCommit={servedCommit} />
            </>
          ) : (
            <span class="warn-text">nothing {servedCommit === null ? 'is served' : 'approved'}: every file is shown as new</span>
          )}
        </dd>
        <dt>Class</dt>
        <dd>
          <ClassTag classification={classification} /> <span class="muted small">{CLASS_MEANING[classification?.class ?? 'unclassified']}</span>
        </dd>
        <dt>Committed</dt>
        <dd>
          <Time at={revision.committer.date * 1000} /> by {revision.committer.name}
        </dd>
        <dt>Recorded</dt>
        <dd>
          <Time at={revision.recordedAt} />
        </dd>
        <dt>Package</dt>
        <dd>
          <a href={`/admin/packages/${pkgbase}`}>timeline and served commit</a>
        </dd>
      </dl>
      {revision.historyRewritten ? (
        <p class="warn">Upstream history was rewritten (force-push): the diff is against the last approved tree.</p>
      ) : null}
      {revision.srcinfoError ? <p class="warn">.SRCINFO problem: {revision.srcinfoError}</p> : null}
      {blocking.length > 0 ? <BlockedHistoryNotice commits={blocking} /> : null}
      <ApprovalsLine approvals={props.model.approvals} required={props.model.requiredApprovals} />
      <p>
        <a href="#decide">Jump to the decision</a>
      </p>

      <h2 id="change">What changed</h2>
      <p class="muted small">The condensed change, most demanding first; the class is a reading aid and approves nothing. The full diff follows.</p>
      <ChangeSummary classification={classification} />

      <h2 id="flags">Risk flags</h2>
      {intermediate.total > 0 ? (
        <p class="muted small">
          {intermediate.analysed} of {intermediate.total} intermediate {intermediate.total === 1 ? 'commit' : 'commits'} analysed one by one.
        </p>
      ) : null}
      <AnchoredFlagList pkgbase={pkgbase} views={annotations.flags} diffShown={!diff.tooLarge} />

      <h2 id="upstream">Upstream metadata</h2>
      <MetaTable meta={meta} baseLabel={baseLabel} />

      <h2 id="commits">Commits this approval serves</h2>
      <RangeLog entries={props.model.rangeEntries} pkgbase={pkgbase} />

      <h2 id="files">Changed files</h2>
      <ChangedFiles pkgbase={pkgbase} files={diff.files} rendered={!diff.tooLarge} />

      <h2 id="diff">Diff</h2>
      {diff.tooLarge ? (
        <p class="warn">The diff is too large to show inline; open each file from the list above.</p>
      ) : (
        <>
          <DiffToggle pkgbase={pkgbase} format={props.format} />
          <DiffView files={diff.files} format={props.format} annotations={annotations} />
        </>
      )}

      <h2 id="decide">Decision</h2>
      <DecisionForms
        principal={props.principal}
        pkgbase={pkgbase}
        commit={revision.commit}
        approvals={props.model.approvals}
        required={props.model.requiredApprovals}
        barred={barred}
      />
    </AdminLayout>
  );
}

/** What the base is, in words: the page never calls a revoked commit "approved". */
function BaseState(props: { base: Revision; servedCommit: string | null }) {
  if (props.base.state === 'revoked') return <strong class="warn-text">(revoked: not served; the diff is against a commit nobody gets)</strong>;
  return <>{props.base.commit === props.servedCommit ? '(served now)' : '(approved, not the served head)'}</>;
}
