import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FetchFailed, fetchWithinBounds } from './bounded-fetch.js';

/** A source repo whose master carries `bytes` of incompressible data, and an empty bare repo to fetch into. */
function repos(bytes: number): { source: string; target: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'aurgate-bounded-'));
  const source = path.join(root, 'source');
  const run = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', ...args], { cwd: source });
  execFileSync('git', ['init', '-q', '-b', 'master', source]);
  writeFileSync(path.join(source, 'payload'), randomBytes(bytes));
  run('add', 'payload');
  run('commit', '-q', '-m', 'payload');
  const target = path.join(root, 'target.git');
  execFileSync('git', ['init', '-q', '--bare', target]);
  return { source, target };
}

describe('a fetch within bounds', () => {
  // 16 MiB against a 64 KiB cap: the watcher usually stops git while the pack arrives (even after git
  // kept it, before its ref was written); a fetch quicker than the watcher is undone afterwards. Either
  // way the outcome asserted here is the same, so the test does not depend on which path ran.
  it('stops a pack over the cap and keeps nothing of it', async () => {
    const { source, target } = repos(16 * 1024 * 1024);
    const fetching = fetchWithinBounds(target, source, '+refs/heads/master:refs/fetched', 'refs/fetched', { timeoutMs: 60_000, maxBytes: 64 * 1024 });
    await expect(fetching).rejects.toThrow(FetchFailed);
    await expect(fetching).rejects.toMatchObject({ overCap: true });
    expect(readdirSync(path.join(target, 'objects', 'pack'))).toEqual([]);
    expect(readdirSync(path.join(target, 'objects')).sort()).toEqual(['info', 'pack']);
  });
});
