import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cloneAll } from '../bench/clones.js';
import { tempDir } from './support/git-client.js';

const run = promisify(execFile);

describe('the clone benchmark', () => {
  it('counts the clones that failed instead of timing them as fast ones', async () => {
    const work = await tempDir('aurgate-bench-clones-');
    const repo = path.join(work, 'good.git');
    await run('git', ['init', '--quiet', '--bare', repo]);
    const server = { url: (pkgbase: string) => (pkgbase === 'good' ? repo : path.join(work, `${pkgbase}-missing.git`)) };
    const batch = await cloneAll(server, ['good', 'gone', 'lost'], path.join(work, 'clones'));
    expect(batch.failed).toBe(2);
    expect(batch.firstError).toMatch(/gone-missing\.git|lost-missing\.git/);
  });
});
