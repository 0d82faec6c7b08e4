import { z } from 'zod';
import { describeError } from '../errors.js';
import { dependencyTarget } from '../srcinfo/rpc-fields.js';
import type { LockEntry, LockFile } from '../pin/lock-file.js';
import { parseSrcinfo } from '../srcinfo/parse.js';
import { rpcFieldsFromSrcinfo } from '../srcinfo/rpc-fields.js';
import { readBodyWithin } from '../bounded-body.js';

/**
 * The closure half of `verify`: every AUR dependency of every locked revision must be in the lock.
 * The dependencies come from the .SRCINFO inside each locked snapshot (bytes whose sha256 the lock
 * pins, so neither a hand-edited lock nor today's served head can hide one). A dependency the lock
 * satisfies itself (a locked pkgname, a split sibling, a locked package's provides) needs no
 * question; for the others the server says whether it is an AUR package (same rule as `lock`).
 */

/** An AUR dependency the lock lacks: served by the server (so the lock could hold it) or not. */
export type ClosureGap =
  { name: string; kind: 'served'; pkgname: string; pkgbase: string; version: string } | { name: string; kind: 'missing'; reason: string };

/**
 * `unreadable`: the pinned archive has no .SRCINFO that parses. Its dependencies are unknown to the
 * server as well (it serves such a revision over git only and `lock` follows none of them), so this is
 * a note, not a failure: the bytes are still the pinned ones. `unchecked`: the server could not be asked.
 */
export type ClosureCheck =
  { kind: 'complete' } | { kind: 'gaps'; gaps: ClosureGap[] } | { kind: 'unreadable'; detail: string } | { kind: 'unchecked'; detail: string };

/** The dependency lookup answers at most this many names per request (the server's bound). */
const NAMES_PER_REQUEST = 200;
const MAX_ANSWER_BYTES = 1024 * 1024;

const answerSchema = z.object({
  dependencies: z.array(
    z.discriminatedUnion('kind', [
      z.object({ name: z.string(), kind: z.literal('served'), pkgname: z.string(), pkgbase: z.string(), version: z.string() }),
      z.object({ name: z.string(), kind: z.literal('missing'), reason: z.string().max(200) }),
      z.object({ name: z.string(), kind: z.literal('external') }),
    ]),
  ),
});
export type DependencyAnswer = z.infer<typeof answerSchema>['dependencies'][number];

interface Parsed {
  pkgnames: string[];
  provides: string[];
  dependencies: string[];
}

function parse(text: string): Parsed {
  const fields = rpcFieldsFromSrcinfo(parseSrcinfo(text));
  const names = (values: string[]): string[] => [...new Set(values.map(dependencyTarget).filter((name): name is string => name !== null))];
  return {
    pkgnames: fields.map((field) => field.Name),
    provides: names(fields.flatMap((field) => field.Provides)),
    dependencies: names(fields.flatMap((field) => [...field.Depends, ...field.MakeDepends, ...field.CheckDepends])).sort(),
  };
}

/**
 * Checks the closure per pkgbase (the first entry of each carries the outcome). `srcinfos` holds the
 * .SRCINFO read from each entry's snapshot, or why there is none; entries whose snapshot drifted are
 * absent and not checked.
 */
export async function checkClosure(
  lock: LockFile,
  srcinfos: ReadonlyMap<LockEntry, { text: string } | { error: string }>,
  ask: (names: string[]) => Promise<Map<string, DependencyAnswer>>,
): Promise<Map<LockEntry, ClosureCheck>> {
  const checks = new Map<LockEntry, ClosureCheck>();
  const parsed = new Map<LockEntry, Parsed>();
  const satisfied = new Set(lock.packages.map((entry) => entry.pkgname));
  const seenBases = new Set<string>();
  for (const entry of lock.packages) {
    const srcinfo = srcinfos.get(entry);
    if (!srcinfo || seenBases.has(entry.pkgbase)) continue;
    seenBases.add(entry.pkgbase);
    if ('error' in srcinfo) {
      checks.set(entry, { kind: 'unreadable', detail: `dependencies not checked: ${srcinfo.error}` });
      continue;
    }
    try {
      const info = parse(srcinfo.text);
      parsed.set(entry, info);
      for (const name of [...info.pkgnames, ...info.provides]) satisfied.add(name);
    } catch (error) {
      checks.set(entry, { kind: 'unreadable', detail: `dependencies not checked: its .SRCINFO does not parse: ${describeError(error)}` });
    }
  }
  const open = new Map([...parsed].map(([entry, info]) => [entry, info.dependencies.filter((name) => !satisfied.has(name))]));
  const unresolved = [...new Set([...open.values()].flat())].sort();
  let answers: Map<string, DependencyAnswer>;
  try {
    answers = unresolved.length > 0 ? await ask(unresolved) : new Map();
  } catch (error) {
    for (const [entry, names] of open) {
      checks.set(
        entry,
        names.length > 0
          ? { kind: 'unchecked', detail: `could not ask the server about ${names.join(', ')}: ${describeError(error)}` }
          : { kind: 'complete' },
      );
    }
    return checks;
  }
  const accepted = new Set((lock.missing ?? []).map((gap) => gap.name));
  for (const [entry, names] of open) {
    const gaps = names.flatMap((name): ClosureGap[] => {
      const answer = answers.get(name);
      if (!answer || answer.kind === 'external' || accepted.has(name)) return [];
      return [answer];
    });
    checks.set(entry, gaps.length > 0 ? { kind: 'gaps', gaps } : { kind: 'complete' });
  }
  return checks;
}

/** Asks `<server>/api/v1/lock/dependencies` about names, a bounded batch at a time, reading bounded answers. */
export function askServer(server: string, options: { timeoutMs: number; fetch?: typeof fetch }) {
  return async (names: string[]): Promise<Map<string, DependencyAnswer>> => {
    const answers = new Map<string, DependencyAnswer>();
    for (let start = 0; start < names.length; start += NAMES_PER_REQUEST) {
      const query = names
        .slice(start, start + NAMES_PER_REQUEST)
        .map((name) => `name=${encodeURIComponent(name)}`)
        .join('&');
      const url = `${server}/api/v1/lock/dependencies?${query}`;
      const response = await (options.fetch ?? fetch)(url, {
        signal: AbortSignal.timeout(options.timeoutMs),
        headers: { 'User-Agent': 'aurgate-verify' },
      });
      const text = await boundedText(response, MAX_ANSWER_BYTES);
      if (response.status !== 200) throw new Error(`HTTP ${response.status} from ${url}`);
      const parsed = answerSchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new Error(`${url} answered something that is not a dependency lookup`);
      for (const answer of parsed.data.dependencies) answers.set(answer.name, answer);
    }
    return answers;
  };
}

async function boundedText(response: Response, maxBytes: number): Promise<string> {
  return (await readBodyWithin(response.body, maxBytes, () => new Error(`the answer is larger than ${maxBytes} bytes`))).toString('utf8');
}

/** How a gap reads in `verify`'s DRIFT line. */
export function describeGap(gap: ClosureGap): string {
  return gap.kind === 'served'
    ? `${gap.name} (served as ${gap.pkgname} ${gap.version}, pkgbase ${gap.pkgbase})`
    : `${gap.name} (not served: ${gap.reason})`;
}
