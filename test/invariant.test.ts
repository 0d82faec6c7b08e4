import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Conflict } from '../src/errors.js';
import { git } from '../src/git/run.js';
import { getPendingRevision } from '../src/quarantine/revisions.js';
import { makePackage } from './support/fixture-packages.js';
import { gitClient, revParse, tempDir } from './support/git-client.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';
import { account } from './support/accounts.js';

let upstream: TestUpstream;
let aurgate: Harness;
let url: string;

beforeAll(async () => {
  upstream = await TestUpstream.start();
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  url = await aurgate.serve();
});
afterAll(async () => {
  await aurgate.close();
  await upstream.stop();
});

type Step = { kind: 'push' } | { kind: 'sync' } | { kind: 'approve' } | { kind: 'reject' } | { kind: 'revoke' };

interface Model {
  pkgbase: string;
  pushes: number;
  /** Approved, non-revoked commits with their versions, oldest first. */
  approved: Array<{ commit: string; version: string }>;
  revoked: string[];
}

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant<Step>({ kind: 'push' }),
  fc.constant<Step>({ kind: 'sync' }),
  fc.constant<Step>({ kind: 'approve' }),
  fc.constant<Step>({ kind: 'reject' }),
  fc.constant<Step>({ kind: 'revoke' }),
);

async function apply(model: Model, action: Step): Promise<void> {
  const { pkgbase } = model;
  const pending = getPendingRevision(aurgate.app.db, pkgbase);
  switch (action.kind) {
    case 'push':
      model.pushes += 1;
      await upstream.push(pkgbase, makePackage({ pkgbase, pkgver: `1.${model.pushes}` }));
      return;
    case 'sync':
      await aurgate.app.sync({ only: [pkgbase], trigger: 'cli' });
      return;
    case 'approve':
      if (!pending) return;
      try {
        await aurgate.app.approve({ pkgbase, commit: pending.commit, by: await account(aurgate.app, 'rita') });
      } catch (error) {
        // Refused by design: its history contains a revoked commit.
        if (error instanceof Conflict && /revoked commit/.test(error.message)) return;
        throw error;
      }
      model.approved.push({ commit: pending.commit, version: pending.version ?? '' });
      return;
    case 'reject':
      if (pending) aurgate.app.reject({ pkgbase, commit: pending.commit, by: await account(aurgate.app, 'rita'), note: 'random rejection' });
      return;
    case 'revoke': {
      const newest = model.approved.pop();
      if (!newest) return;
      await aurgate.app.revoke({ pkgbase, commit: newest.commit, by: await account(aurgate.app, 'ada', 'admin'), note: 'random revocation' });
      model.revoked.push(newest.commit);
      return;
    }
  }
}

/** Every object stored in the served repo, reachable or not. */
async function storedObjects(repo: string): Promise<Set<string>> {
  const { stdout } = await git(['cat-file', '--batch-all-objects', '--batch-check=%(objectname)'], { cwd: repo });
  return new Set(stdout.split('\n').filter(Boolean));
}

async function reachableFrom(repo: string, commits: string[]): Promise<Set<string>> {
  if (commits.length === 0) return new Set();
  const { stdout } = await git(['rev-list', '--objects', ...commits], { cwd: repo });
  return new Set(
    stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ')[0] ?? ''),
  );
}

async function checkServed(model: Model): Promise<void> {
  const newest = model.approved.at(-1);
  const info = (await (await fetch(`${url}/rpc/v5/info/${model.pkgbase}`)).json()) as { resultcount: number; results: Array<{ Version: string }> };
  const list = gunzipSync(Buffer.from(await (await fetch(`${url}/packages.gz`)).arrayBuffer()))
    .toString('utf8')
    .split('\n');
  const plain = await fetch(`${url}/cgit/aur.git/plain/PKGBUILD?h=${model.pkgbase}`);
  const snapshot = await fetch(`${url}/cgit/aur.git/snapshot/${model.pkgbase}.tar.gz`);
  const dir = await tempDir('aurgate-prop-');
  const clone = await gitClient(['clone', '--no-progress', `${url}/${model.pkgbase}.git`, 'work'], dir, 2);
  if (!newest) {
    expect(info.resultcount).toBe(0);
    expect(list).not.toContain(model.pkgbase);
    expect(plain.status).toBe(404);
    expect(snapshot.status).toBe(404);
    expect(clone.code).not.toBe(0);
  } else {
    expect(info.results[0]?.Version).toBe(newest.version);
    expect(list).toContain(model.pkgbase);
    expect(await plain.text()).toContain(`pkgver=${newest.version.split('-')[0]}`);
    const tar = gunzipSync(Buffer.from(await snapshot.arrayBuffer())).toString('latin1');
    expect(tar).toContain(`${model.pkgbase}/PKGBUILD`);
    expect(tar).toContain(`pkgver=${newest.version.split('-')[0]}`);
    expect(clone.code, clone.stderr).toBe(0);
    expect(await revParse(path.join(dir, 'work'), 'HEAD')).toBe(newest.commit);
  }
  const repo = aurgate.app.served.repoPath(model.pkgbase);
  const stored = await storedObjects(repo).catch(() => new Set<string>());
  const reachable = await reachableFrom(
    repo,
    model.approved.map((entry) => entry.commit),
  );
  for (const object of stored) expect(reachable.has(object), `stray object ${object} in the served repo`).toBe(true);
  const pending = getPendingRevision(aurgate.app.db, model.pkgbase);
  for (const commit of [pending?.commit, ...model.revoked].filter((c): c is string => Boolean(c))) {
    if (model.approved.some((entry) => entry.commit === commit)) continue;
    expect(stored.has(commit), `unapproved commit ${commit} is stored in the served repo`).toBe(false);
    if (newest) {
      const fetched = await gitClient(['fetch', 'origin', commit], path.join(dir, 'work'), 2);
      expect(fetched.code, `protocol v2 fetch of unapproved ${commit}`).not.toBe(0);
    }
  }
}

let run = 0;
it('after any sequence of pushes, syncs, approvals, rejections and revocations, only the newest approved revision is served', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 9 }), async (steps) => {
      run += 1;
      const pkgbase = `prop-${run}-${Date.now() % 1_000_000}`;
      await upstream.addPackage(makePackage({ pkgbase, pkgver: '1.0' }));
      await aurgate.app.allow([pkgbase], 'tester');
      const model: Model = { pkgbase, pushes: 0, approved: [], revoked: [] };
      await aurgate.app.sync({ only: [pkgbase], trigger: 'cli' });
      for (const action of steps) {
        await apply(model, action);
        await checkServed(model);
      }
    }),
    { numRuns: Number(process.env['AURGATE_PROPERTY_RUNS'] ?? 8), endOnFailure: true },
  );
  // No timeout of its own: eight runs of real git work took over 300 s on the loaded machine; the
  // runner's hang guard (vitest.config.ts) applies.
});
