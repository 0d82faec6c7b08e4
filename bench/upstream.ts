import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { progress, runGit, timed } from './processes.js';
import { buildUpstreamRepos, type UpstreamPackageInfo } from './upstream-repos.js';

export interface BenchUpstream {
  url: string;
  reposDir: string;
  packages: UpstreamPackageInfo[];
  stop(): Promise<void>;
}

const SERVER = fileURLToPath(new URL('./upstream-server.ts', import.meta.url));

/**
 * Builds the upstream repos under `root`, checks one with fsck, and starts the upstream server process.
 * `remote`: the AUR is another machine, not aurgate's; on the bench machine its work (a pack per
 * fetch) then runs in a session of its own, which Linux schedules as a group of its own (autogroup,
 * outside cpu cgroups), so it does not share the CPU time of the session that runs aurgate.
 */
export async function startUpstream(root: string, count: number, commits: number, options: { remote?: boolean } = {}): Promise<BenchUpstream> {
  const reposDir = path.join(root, 'repos');
  await mkdir(reposDir, { recursive: true });
  const built = await timed(() => buildUpstreamRepos(reposDir, count, commits));
  const packages = built.value;
  progress(`upstream: ${count} bare repos (${commits} commits each) written in ${(built.ms / 1000).toFixed(1)} s`);
  const sample = packages[0];
  if (sample) await runGit(['--git-dir', path.join(reposDir, `${sample.pkgbase}.git`), 'fsck', '--strict', '--no-dangling'], root);

  const rpcFile = path.join(root, 'rpc.json');
  await writeFile(rpcFile, JSON.stringify(Object.fromEntries(packages.map((pkg) => [pkg.pkgbase, pkg.rpcResult]))));
  const child: ChildProcess = fork(SERVER, [reposDir, rpcFile], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: options.remote === true,
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`upstream server exited early (code ${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    reposDir,
    packages,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
