import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import os from 'node:os';
import { SourceError } from '../errors.js';
import { git } from '../git/run.js';
import { isPrivateAddress } from './source-fetch.js';

/**
 * Resolves the fragment of a git source (`#tag=`, `#branch=`) to the commit it names now, with
 * `git ls-remote`: nothing is cloned. Only git, http and https transports are allowed (no ext::,
 * file:// or ssh), and a host resolving to a private address is refused unless allowed. git does
 * its own DNS lookup afterwards, so unlike the file fetcher this check can be raced by a rebinding
 * name; the result is a commit id for the record, never bytes that are served.
 */
export interface VcsPinOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  pkgbase: string;
  filename: string;
}

const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export async function resolveGitFragment(remote: string, fragment: { kind: string; value: string }, options: VcsPinOptions): Promise<string> {
  const fail = (failure: 'refused' | 'unreachable', message: string, cause?: unknown) =>
    new SourceError(failure, options.filename, `${options.pkgbase}: source ${options.filename}: ${message}`, { pkgbase: options.pkgbase, cause });
  if (fragment.kind === 'commit') {
    const commit = fragment.value.toLowerCase();
    if (!COMMIT.test(commit)) throw fail('refused', `#commit=${fragment.value} is not a full commit id`);
    return commit;
  }
  if (fragment.kind !== 'tag' && fragment.kind !== 'branch') throw fail('refused', `#${fragment.kind}= cannot be pinned`);
  if (!/^[A-Za-z0-9._/+-]+$/.test(fragment.value) || fragment.value.includes('..'))
    throw fail('refused', `#${fragment.kind}=${fragment.value} is not a plain ref name`);
  let url: URL;
  try {
    url = new URL(remote);
  } catch (error) {
    throw fail('refused', 'not a URL', error);
  }
  if (!['https:', 'http:', 'git:'].includes(url.protocol)) throw fail('refused', `git over ${url.protocol} is not fetched`);
  if (!options.allowPrivate) await refusePrivateHost(url.hostname.replace(/^\[|\]$/g, ''), fail);
  const ref = fragment.kind === 'tag' ? `refs/tags/${fragment.value}` : `refs/heads/${fragment.value}`;
  const result = await git(['ls-remote', '--', remote, ref, `${ref}^{}`], {
    cwd: os.tmpdir(),
    timeoutMs: options.timeoutMs,
    maxBuffer: 64 * 1024,
    env: { GIT_ALLOW_PROTOCOL: 'http:https:git' },
  }).catch((error: unknown) => {
    throw fail('unreachable', `git ls-remote failed`, error);
  });
  const lines = result.stdout.split('\n').map((line) => line.split('\t'));
  // An annotated tag's peeled line (`^{}`) names the commit; a lightweight tag or a branch names it directly.
  const peeled = lines.find(([, name]) => name === `${ref}^{}`)?.[0];
  const direct = lines.find(([, name]) => name === ref)?.[0];
  const commit = (peeled ?? direct ?? '').toLowerCase();
  if (!COMMIT.test(commit)) throw fail('unreachable', `${fragment.kind} ${fragment.value} not found`);
  return commit;
}

async function refusePrivateHost(host: string, fail: (failure: 'refused', message: string) => SourceError): Promise<void> {
  const addresses = isIP(host) !== 0 ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((entry) => entry.address);
  if (addresses.length > 0 && addresses.some(isPrivateAddress)) throw fail('refused', `${host} is a private address (AURGATE_SOURCE_ALLOW_PRIVATE)`);
}
