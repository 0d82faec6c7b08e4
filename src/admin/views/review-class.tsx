import type { FlagView } from '../../review/annotate.js';
import type { Classification, RevisionClass } from '../../review/classify-types.js';
import { displayPath } from '../../review/display-path.js';
import { Badge, flagHref } from './components.js';
import { PayloadList } from './diff-notes.js';
import { shortCommit } from './format.js';

/** What each class asks of the reviewer, in words (the tag's title and the review page's line). */
export const CLASS_MEANING: Record<RevisionClass | 'unclassified', string> = {
  routine: 'only the version, checksums and version-shaped download URLs changed',
  'metadata-only': 'descriptions, dependencies, comments or maintainers changed; nothing that runs',
  'sources-changed': 'downloads, checksums without a version change, or local source files changed',
  'build-logic-changed': 'build functions, top-level code or files the build can read changed',
  'install-time-code-changed': 'an install scriptlet or pacman hook changed: it runs as root on every machine',
  'first-revision': 'nothing approved to compare with: every file is new',
  unclassified: 'the change could not be classified: read everything',
};

export function ClassTag(props: { classification: Classification | null }) {
  const name = props.classification?.class ?? 'unclassified';
  return (
    <span class={`cls cls-${name}`} title={CLASS_MEANING[name]}>
      {name}
    </span>
  );
}

/** The condensed semantic change, most demanding first; `limit` cuts it for the queue. */
export function ChangeSummary(props: { classification: Classification | null; limit?: number }) {
  const changes = props.classification?.changes ?? [];
  const shown = props.limit === undefined ? changes : changes.slice(0, props.limit);
  if (shown.length === 0) return null;
  return (
    <ul class="changes small">
      {shown.map((change) => (
        <li class={`ch-${change.class}`}>
          {change.text}
          {change.file && props.limit === undefined ? (
            <span class="muted">
              {' '}
              ({displayPath(change.file)}
              {change.line ? `:${change.line}` : ''})
            </span>
          ) : null}
        </li>
      ))}
      {shown.length < changes.length ? <li class="muted">and {changes.length - shown.length} more</li> : null}
    </ul>
  );
}

/**
 * The flags, each linked to its row inside the diff when the diff shows it (`#flag-N`; the row links
 * back to `#flag-N-item`), else to the line in the per-file view; the flagged line and any payload it
 * carries, decoded, beside it.
 */
export function AnchoredFlagList(props: { pkgbase: string; views: readonly FlagView[]; diffShown: boolean }) {
  if (props.views.length === 0) return <p class="ok-text">No risk flags. Read the diff anyway: the checks only know known tricks.</p>;
  return (
    <ul class="flags">
      {props.views.map((view) => {
        const { flag } = view;
        const inDiff = view.inDiff && props.diffShown;
        const fileHref = flag.commit ? null : flagHref(props.pkgbase, flag);
        const href = inDiff ? `#${view.id}` : fileHref;
        const where = flag.file ? `${displayPath(flag.file)}${flag.line ? `:${flag.line}` : ''}` : null;
        return (
          <li class={`flag flag-${flag.severity}`} id={`${view.id}-item`}>
            <Badge severity={flag.severity}>{flag.severity}</Badge> <span class="check">{flag.check}</span> {flag.reason}{' '}
            {where && href ? (
              <a href={href} class="where">
                {inDiff ? `${where} in the diff` : where}
              </a>
            ) : null}
            {inDiff && fileHref ? (
              <>
                {' '}
                <a href={fileHref} class="small">
                  view file
                </a>
              </>
            ) : null}
            {where && !href ? (
              <span class="where">
                {where}
                {flag.commit ? ` in commit ${shortCommit(flag.commit)}` : ''}
              </span>
            ) : null}
            {view.text !== null && !inDiff ? <code class="line">{view.text}</code> : null}
            <PayloadList payloads={view.payloads} />
          </li>
        );
      })}
    </ul>
  );
}
