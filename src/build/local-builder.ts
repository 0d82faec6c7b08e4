import { execFile, spawn } from 'node:child_process';
import { chmod, chown, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { BuildError } from '../errors.js';
import { directorySize } from '../dir-size.js';
import { BoundedLog } from './bounded-log.js';

/**
 * The `local` builder: makepkg on this machine, as an unprivileged user when aurgate runs as root,
 * inside bubblewrap without network (`--unshare-net`) when bubblewrap is installed, so a build can
 * only use the sources already in its SRCDEST. Hand-written on child_process: no library runs
 * makepkg, and what matters here (the process tree killed whole at a deadline or a disk cap, a
 * bounded log) is a few lines each.
 */
export interface LocalBuildJob {
  /** The package directory (the approved snapshot, extracted): makepkg runs here. */
  packageDir: string;
  /** The build's own directory; everything the build writes stays below it. */
  root: string;
  srcDest: string;
  pkgDest: string;
  sourceDateEpoch: number;
  logFile: string;
  timeoutMs: number;
  maxBytes: number;
  maxLogBytes: number;
  /** The user makepkg runs as when this process is root. */
  user: string;
  /** Aborting stops the build (the server shutting down): makepkg runs in its own process group and would outlive it. */
  signal?: AbortSignal;
}

export interface LocalBuildResult {
  networkIsolated: boolean;
  /** Package files makepkg wrote into pkgDest (no signatures, no debug logs). */
  packages: string[];
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Walking a large build tree costs IO: every few seconds is enough for a cap of gigabytes. */
const DISK_CHECK_MS = 5000;

let isolation: Promise<boolean> | null = null;

/** Whether bubblewrap can take the network away here (it needs unprivileged user namespaces); asked once. */
export function networkIsolationAvailable(): Promise<boolean> {
  isolation ??= new Promise((resolve) =>
    execFile('bwrap', ['--unshare-net', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', 'true'], (error) => resolve(!error)),
  );
  return isolation;
}

export async function runLocalBuild(job: LocalBuildJob): Promise<LocalBuildResult> {
  const networkIsolated = await networkIsolationAvailable();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await handOver(job.root, job.user);
  const argv = [...(asRoot ? ['runuser', '-u', job.user, '--'] : []), ...(networkIsolated ? sandbox(job) : []), ...makepkg(job)];
  await runBounded(argv, job);
  const packages = (await readdir(job.pkgDest)).filter((file) => /\.pkg\.tar(\.[a-z0-9]+)?$/.test(file)).map((file) => path.join(job.pkgDest, file));
  if (packages.length === 0) throw new BuildError('makepkg finished but wrote no package file');
  return { networkIsolated, packages };
}

/** Read-only system, a private /tmp, no network, IPC or other processes: only the build's own tree is writable. */
function sandbox(job: LocalBuildJob): string[] {
  return [
    'bwrap',
    '--unshare-net',
    '--unshare-ipc',
    '--unshare-pid',
    '--die-with-parent',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--tmpfs',
    '/tmp',
    '--bind',
    job.root,
    job.root,
    '--chdir',
    job.packageDir,
  ];
}

/** makepkg with a clean environment: nothing of aurgate's own (tokens, settings) reaches the build. */
function makepkg(job: LocalBuildJob): string[] {
  const home = path.join(job.root, 'home');
  return [
    'env',
    '-i',
    `PATH=${PATH}`,
    `HOME=${home}`,
    'LANG=C.UTF-8',
    `SOURCE_DATE_EPOCH=${job.sourceDateEpoch}`,
    `SRCDEST=${job.srcDest}`,
    `PKGDEST=${job.pkgDest}`,
    `BUILDDIR=${path.join(job.root, 'build')}`,
    `SRCPKGDEST=${path.join(job.root, 'srcpkg')}`,
    'PKGEXT=.pkg.tar.zst',
    'makepkg',
    '--nodeps',
    '--noconfirm',
    '--noprogressbar',
    '--nocolor',
    '--holdver',
  ];
}

/** The build user must own the build's tree, and reach it through its parents. */
async function handOver(root: string, user: string): Promise<void> {
  const uid = await new Promise<number>((resolve, reject) =>
    execFile('id', ['-u', user], (error, stdout) =>
      error ? reject(new BuildError(`the build user ${user} does not exist (AURGATE_BUILD_USER; e.g. useradd -m ${user})`)) : resolve(Number(stdout)),
    ),
  );
  for (const dir of ['home', 'build', 'srcpkg']) await mkdir(path.join(root, dir), { recursive: true });
  await chownTree(root, uid);
  for (let parent = path.dirname(root); parent !== path.dirname(parent); parent = path.dirname(parent)) {
    // Traversal only (x), never read or write: the data dir's other contents stay closed to the build user.
    await chmod(parent, 0o711).catch(() => undefined);
    if (parent === '/') break;
  }
}

async function chownTree(dir: string, uid: number): Promise<void> {
  await chown(dir, uid, -1);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(full, uid);
    else if (!entry.isSymbolicLink()) await chown(full, uid, -1);
  }
}

/**
 * Runs the build as the leader of its own process group, so the deadline and the disk cap kill
 * everything it started (makepkg runs arbitrary build() code). Output goes to the bounded log.
 */
function runBounded(argv: readonly string[], job: LocalBuildJob): Promise<void> {
  const [command = 'makepkg', ...args] = argv;
  const log = new BoundedLog(job.logFile, job.maxLogBytes);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: job.packageDir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stopped: string | null = null;
    const stop = (why: string) => {
      stopped ??= why;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: the group has exited already.
      }
    };
    const timer = setTimeout(() => stop(`the build passed its deadline of ${job.timeoutMs} ms (AURGATE_BUILD_TIMEOUT_MS)`), job.timeoutMs);
    const onAbort = () => stop('the build was stopped: the server is shutting down');
    if (job.signal?.aborted) onAbort();
    job.signal?.addEventListener('abort', onAbort, { once: true });
    const disk = setInterval(() => {
      void directorySize(job.root).then((bytes) => {
        if (bytes > job.maxBytes) stop(`the build passed its disk cap: ${bytes} bytes of ${job.maxBytes} (AURGATE_BUILD_MAX_BYTES)`);
      });
    }, DISK_CHECK_MS);
    child.stdout?.on('data', (chunk: Buffer) => log.write(chunk));
    child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));
    child.once('error', (error) => {
      clearTimeout(timer);
      clearInterval(disk);
      job.signal?.removeEventListener('abort', onAbort);
      void log.close().finally(() => reject(new BuildError(`makepkg could not start: ${error.message}`, { cause: error })));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(disk);
      job.signal?.removeEventListener('abort', onAbort);
      void log.close().then(() => {
        if (code === 0 && stopped === null) return resolve();
        const reason = stopped ?? `makepkg failed (exit ${code ?? signal}): ${log.lastLines(3)}`;
        reject(new BuildError(reason));
      }, reject);
    });
  });
}
