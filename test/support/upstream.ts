import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseSrcinfo } from '../../src/srcinfo/parse.js';
import { rpcFieldsFromSrcinfo } from '../../src/srcinfo/rpc-fields.js';
import { pipeCgiResponse } from './cgi.js';
import { answerRpc, readRpcRequest, type RpcRow } from './upstream-rpc.js';

/**
 * A real local "AUR" for tests: per-pkgbase bare repos served over smart HTTP by the real
 * `git http-backend`, and RPC v5 answers computed from each repo's current .SRCINFO.
 */

/** pkgbase-level data the AUR keeps in its database rather than in git. */
export interface UpstreamMeta {
  Maintainer: string | null;
  Submitter: string | null;
  CoMaintainers: string[];
  NumVotes: number;
  Popularity: number;
  OutOfDate: number | null;
  FirstSubmitted: number;
  LastModified: number;
  Keywords: string[];
  PendingRequests: number;
}

export type FailureMode = 'none' | 'down' | 'slow' | 'html' | 'truncated' | 'wrong-types' | 'rpc-500' | 'endless';
export type RequestKind = 'rpc' | 'git' | 'other';
export interface FailOptions {
  /**
   * For 'slow'; default 30000. A request still waiting when fail() is called again is released and
   * answered at once, so a test can hold a request for as long as it needs and then let it go.
   */
  delayMs?: number;
  /**
   * Default 'all' for 'down' and 'slow', 'rpc' for the others. 'html' and 'rpc-500' hit git requests
   * too when selected; 'truncated', 'wrong-types' and 'endless' (a 200 JSON answer whose body never
   * ends, until the client hangs up) only ever change RPC answers.
   */
  only?: RequestKind | 'all';
}
export interface LoggedRequest {
  method: string;
  /** Pathname without the query. */
  path: string;
  /** `url.search`, e.g. `?service=git-upload-pack`, or ''. */
  query: string;
  kind: RequestKind;
}
export interface CommitOptions {
  /** Default true: a push is a modification, as on the AUR. */
  bumpLastModified?: boolean;
  /** Author and committer date of the commit (git's date formats, e.g. `@1700000000`); default now. */
  date?: string;
}

interface PackageBase {
  id: number;
  meta: UpstreamMeta;
  /** pkgname → package ID, assigned the first time a pkgname appears in a pushed .SRCINFO. */
  ids: Map<string, number>;
}

/** nginx's route on the AUR: optional `.git`, then a smart- or dumb-HTTP path. */
const GIT_PATH = /^\/([a-z0-9][a-z0-9.+_-]*?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.+)$/;
/** Not a valid pkgbase (leading `_`), so it can stand in for every unknown one. */
const EMPTY_REPO = '_empty.git';
const IDENTITY = { name: 'Test Packager', email: 'packager@example.org' };
const CLOUDFLARE_PAGE =
  '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head><body>' +
  '<h1>aur.archlinux.org</h1><p>Checking if the site connection is secure</p>' +
  '<p>Cloudflare Ray ID: 8f1e2d3c4b5a6978</p></body></html>';

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export class TestUpstream {
  readonly requests: LoggedRequest[] = [];
  private readonly bases = new Map<string, PackageBase>();
  private readonly lastGoodRows = new Map<string, RpcRow[]>();
  /**
   * Each pkgbase's rows, read from its head once per push: reading every .SRCINFO on every request
   * took a git process per package per request, which on a loaded machine outlasted client timeouts.
   */
  private readonly headRows = new Map<string, Promise<RpcRow[]>>();
  private readonly children = new Set<ChildProcess>();
  private readonly stopping = new AbortController();
  /** Aborted by the next fail() call: releases the requests 'slow' is holding. */
  private released = new AbortController();
  private failure: { mode: FailureMode; delayMs: number; only: RequestKind | 'all' } = {
    mode: 'none',
    delayMs: 30_000,
    only: 'all',
  };
  private nextBaseId = 101;
  private nextPackageId = 1001;
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;

  private constructor(
    /** The temp dir; removed by stop(). */
    readonly root: string,
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** `dir` is the parent of the temp dir (default os.tmpdir()). */
  static async start(options: { dir?: string } = {}): Promise<TestUpstream> {
    const root = await mkdtemp(join(options.dir ?? tmpdir(), 'aurgate-upstream-'));
    const server = createServer();
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => done());
    });
    const { port } = server.address() as AddressInfo;
    const upstream = new TestUpstream(root, server, `http://127.0.0.1:${port}`);
    server.on('request', (req, res) => upstream.route(req, res));
    try {
      await mkdir(upstream.reposDir);
      await upstream.git(['init', '-q', '--bare', join(upstream.reposDir, EMPTY_REPO)]);
    } catch (error) {
      await upstream.stop();
      throw error;
    }
    return upstream;
  }

  get reposDir(): string {
    return join(this.root, 'repos');
  }

  /** The clone URL the AUR prints: `<url>/<pkgbase>.git`. */
  cloneUrl(pkgbase: string): string {
    return `${this.url}/${pkgbase}.git`;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopping.abort();
    for (const child of this.children) killGroup(child);
    const closed = new Promise<void>((done) => this.server.close(() => done()));
    this.server.closeAllConnections();
    await closed;
    await this.queue;
    // Retries cover a killed git process's last writes racing the removal.
    await rm(this.root, { recursive: true, force: true, maxRetries: 5 });
  }

  // ---- control API ---------------------------------------------------------------------------

  /** Creates `<pkgbase>.git` (pkgbase from `.SRCINFO`) with one commit on master; returns its sha. */
  async addPackage(files: Record<string, string>, meta: Partial<UpstreamMeta> = {}, message = 'Initial import'): Promise<string> {
    const srcinfo = files['.SRCINFO'];
    if (srcinfo === undefined) throw new Error('addPackage: files must include .SRCINFO');
    const { pkgbase } = parseSrcinfo(srcinfo);
    return this.serial(async () => {
      if (this.bases.has(pkgbase)) throw new Error(`addPackage: ${pkgbase} already exists`);
      const work = this.workDir(pkgbase);
      await rm(work, { recursive: true, force: true });
      await this.git(['init', '-q', '--bare', '-b', 'master', this.repoDir(pkgbase)]);
      await this.git(['init', '-q', '-b', 'master', work]);
      await this.git(['remote', 'add', 'origin', this.repoDir(pkgbase)], work);
      await this.commit(work, files, message);
      await this.git(['push', '-q', 'origin', 'HEAD:refs/heads/master'], work);
      const now = nowSeconds();
      this.bases.set(pkgbase, {
        id: this.nextBaseId++,
        ids: new Map(),
        meta: {
          Maintainer: 'packager',
          Submitter: 'packager',
          CoMaintainers: [],
          NumVotes: 0,
          Popularity: 0,
          OutOfDate: null,
          FirstSubmitted: now,
          LastModified: now,
          Keywords: [],
          PendingRequests: 0,
          ...meta,
        },
      });
      return this.afterPush(pkgbase, false);
    });
  }

  /** A new fast-forward commit on master applying `files` (null deletes); returns its sha. */
  async push(pkgbase: string, files: Record<string, string | null>, message = 'Update', options: CommitOptions = {}): Promise<string> {
    return this.serial(async () => {
      const work = this.workDirOf(pkgbase);
      await this.commit(work, files, message, options.date);
      await this.git(['push', '-q', 'origin', 'HEAD:refs/heads/master'], work);
      return this.afterPush(pkgbase, options.bumpLastModified ?? true);
    });
  }

  /**
   * Force-pushes a commit that does not descend from the current head: by default a child of the
   * head's parent (an amended commit), or an orphan root when the head has no parent or
   * `base: 'orphan'`. `files` apply on top of that base's tree (empty for an orphan).
   */
  async rewriteHistory(
    pkgbase: string,
    files: Record<string, string | null>,
    message = 'Rewrite history',
    options: CommitOptions & { base?: 'parent' | 'orphan' } = {},
  ): Promise<string> {
    return this.serial(async () => {
      const work = this.workDirOf(pkgbase);
      const hasParent = await this.git(['rev-parse', '-q', '--verify', 'HEAD~1'], work).then(
        () => true,
        () => false,
      );
      const orphan = (options.base ?? (hasParent ? 'parent' : 'orphan')) === 'orphan';
      if (orphan) {
        await this.git(['checkout', '-q', '--orphan', 'rewrite'], work);
        await this.git(['rm', '-r', '-q', '-f', '--ignore-unmatch', '.'], work);
      } else {
        await this.git(['reset', '-q', '--hard', 'HEAD~1'], work);
      }
      await this.commit(work, files, message);
      if (orphan) await this.git(['branch', '-q', '-M', 'master'], work);
      await this.git(['push', '-q', '-f', 'origin', 'HEAD:refs/heads/master'], work);
      return this.afterPush(pkgbase, options.bumpLastModified ?? true);
    });
  }

  setMeta(pkgbase: string, partial: Partial<UpstreamMeta>): void {
    Object.assign(this.base(pkgbase).meta, partial);
  }

  /** A copy of the pkgbase's metadata plus its IDs. */
  meta(pkgbase: string): UpstreamMeta & { PackageBaseID: number; IDs: Record<string, number> } {
    const base = this.base(pkgbase);
    return { ...structuredClone(base.meta), PackageBaseID: base.id, IDs: Object.fromEntries(base.ids) };
  }

  /** Gone from RPC, and git answers as for a package that never existed (empty advertisement). */
  async deletePackage(pkgbase: string): Promise<void> {
    return this.serial(async () => {
      this.base(pkgbase);
      this.bases.delete(pkgbase);
      this.lastGoodRows.delete(pkgbase);
      this.headRows.delete(pkgbase);
      await rm(this.repoDir(pkgbase), { recursive: true, force: true });
      await rm(this.workDir(pkgbase), { recursive: true, force: true });
    });
  }

  async head(pkgbase: string): Promise<string> {
    this.base(pkgbase);
    return (await this.git(['--git-dir', this.repoDir(pkgbase), 'rev-parse', 'refs/heads/master'])).trim();
  }

  fail(mode: FailureMode, options: FailOptions = {}): void {
    const only = options.only ?? (mode === 'down' || mode === 'slow' ? 'all' : 'rpc');
    this.failure = { mode, delayMs: options.delayMs ?? 30_000, only };
    this.released.abort();
    this.released = new AbortController();
  }

  resetRequests(): void {
    this.requests.length = 0;
  }

  // ---- git plumbing --------------------------------------------------------------------------

  private base(pkgbase: string): PackageBase {
    const base = this.bases.get(pkgbase);
    if (base === undefined) throw new Error(`TestUpstream: no package base ${pkgbase}`);
    return base;
  }

  private repoDir(pkgbase: string): string {
    return join(this.reposDir, `${pkgbase}.git`);
  }

  private workDir(pkgbase: string): string {
    return join(this.root, 'work', pkgbase);
  }

  /** The work clone of an existing pkgbase (throws for an unknown one). */
  private workDirOf(pkgbase: string): string {
    this.base(pkgbase);
    return this.workDir(pkgbase);
  }

  /** Control calls share one work clone per pkgbase, so they run one at a time. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async commit(work: string, files: Record<string, string | null>, message: string, date?: string): Promise<void> {
    for (const [path, content] of Object.entries(files)) {
      const target = resolve(work, path);
      const gitDir = join(work, '.git');
      if (!target.startsWith(work + sep) || target === gitDir || target.startsWith(gitDir + sep)) {
        throw new Error(`TestUpstream: file path ${path} leaves the work tree`);
      }
      if (content === null) await rm(target, { force: true });
      else await mkdir(dirname(target), { recursive: true }).then(() => writeFile(target, content));
    }
    await this.git(['add', '-A'], work);
    const dated: Record<string, string> = date === undefined ? {} : { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
    await this.git(['commit', '-q', '--allow-empty', '--no-verify', '-m', message], work, dated);
  }

  /** Bumps LastModified and gives new pkgnames their IDs, as aurweb does on each accepted push. */
  private async afterPush(pkgbase: string, bump: boolean): Promise<string> {
    const base = this.base(pkgbase);
    if (bump) base.meta.LastModified = nowSeconds();
    const text = await readFile(join(this.workDir(pkgbase), '.SRCINFO'), 'utf8').catch(() => '');
    try {
      for (const { pkgname } of parseSrcinfo(text).packages) {
        if (!base.ids.has(pkgname)) base.ids.set(pkgname, this.nextPackageId++);
      }
    } catch {
      // Tests may push a broken .SRCINFO on purpose; RPC then skips the package.
    }
    this.headRows.delete(pkgbase);
    return (await this.git(['rev-parse', 'HEAD'], this.workDir(pkgbase))).trim();
  }

  /** Plain git with a clean, deterministic environment: no user config, fixed identity. */
  private git(args: string[], cwd?: string, extraEnv: Record<string, string> = {}): Promise<string> {
    return new Promise((done, fail) => {
      const options = { cwd, env: this.gitEnv(extraEnv), maxBuffer: 64 * 1024 * 1024, detached: true };
      const child = execFile('git', args, options, (error, stdout, stderr) => {
        if (error) fail(new Error(`git ${args.join(' ')}: ${stderr.trim() || error.message}`));
        else done(stdout);
      });
      this.track(child);
    });
  }

  private gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_')));
    return {
      ...env,
      ...extra,
      HOME: this.root,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: IDENTITY.name,
      GIT_AUTHOR_EMAIL: IDENTITY.email,
      GIT_COMMITTER_NAME: IDENTITY.name,
      GIT_COMMITTER_EMAIL: IDENTITY.email,
    };
  }

  /** Children get their own process group (detached) so stop() also reaches what git spawns. */
  private track(child: ChildProcess): void {
    this.children.add(child);
    child.once('close', () => this.children.delete(child));
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  private route(req: IncomingMessage, res: ServerResponse): void {
    this.handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(error));
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://upstream.invalid');
    const git = GIT_PATH.exec(url.pathname);
    const kind: RequestKind = git ? 'git' : /^\/rpc(\.php)?(\/|$)/.test(url.pathname) ? 'rpc' : 'other';
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.search, kind });
    const { mode, delayMs, only } = this.failure;
    const failure = only === 'all' || only === kind ? mode : 'none';
    if (failure === 'down') {
      req.socket.resetAndDestroy(); // an RST, so clients see ECONNRESET rather than a clean close
      return;
    }
    if (failure === 'slow') {
      const signal = AbortSignal.any([this.stopping.signal, this.released.signal]);
      await sleep(delayMs, undefined, { signal }).catch(() => undefined);
      if (this.stopped) return void res.destroy();
    }
    if (failure === 'html') return send(res, 200, 'text/html; charset=UTF-8', CLOUDFLARE_PAGE);
    if (failure === 'rpc-500') return send(res, 500, 'text/plain', 'Internal Server Error');
    if (git) return this.serveGit(req, res, git[1] ?? '', git[2] ?? '', url);
    if (kind === 'rpc') return this.serveRpc(req, res, url, failure);
    return send(res, 404, 'text/plain', 'Not Found');
  }

  /** Pushes go over SSH on the AUR; git-http-backend refuses receive-pack without REMOTE_USER. */
  private serveGit(req: IncomingMessage, res: ServerResponse, pkgbase: string, rest: string, url: URL): void {
    if (rest === 'git-receive-pack' || url.searchParams.get('service') === 'git-receive-pack') {
      return send(res, 403, 'text/plain', 'Forbidden');
    }
    // The AUR keeps every pkgbase in one repo's namespaces; an unknown one is an empty namespace.
    const repo = this.bases.has(pkgbase) ? `${pkgbase}.git` : EMPTY_REPO;
    const fromHeader = (variable: string, header: string): Record<string, string> => {
      const value = req.headers[header];
      return typeof value === 'string' ? { [variable]: value } : {};
    };
    const env = this.gitEnv({
      GIT_PROJECT_ROOT: this.reposDir,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: `/${repo}/${rest}`,
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? 'GET',
      GATEWAY_INTERFACE: 'CGI/1.1',
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      SERVER_PROTOCOL: 'HTTP/1.1',
      ...fromHeader('CONTENT_TYPE', 'content-type'),
      ...fromHeader('CONTENT_LENGTH', 'content-length'),
      // http-backend gunzips the body itself; GIT_PROTOCOL (version=2) is what upload-pack reads.
      ...fromHeader('HTTP_CONTENT_ENCODING', 'content-encoding'),
      ...fromHeader('GIT_PROTOCOL', 'git-protocol'),
    });
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'ignore'], detached: true });
    this.track(child);
    child.stdin.on('error', () => undefined); // the backend may exit before reading the whole body
    req.pipe(child.stdin);
    res.once('close', () => child.exitCode === null && killGroup(child)); // the client gave up
    pipeCgiResponse(child.stdout, res);
  }

  private async serveRpc(req: IncomingMessage, res: ServerResponse, url: URL, failure: FailureMode): Promise<void> {
    const request = await readRpcRequest(req, url);
    if (request === 'not-found') return send(res, 404, 'text/plain', 'Not Found');
    if (request === 'docs') return send(res, 200, 'text/html; charset=utf-8', '<html><body>aurweb RPC</body></html>');
    if (failure === 'endless') return sendEndless(res);
    const answer = answerRpc(request, await this.rows());
    let body = JSON.stringify(failure === 'wrong-types' ? wrongTypes(answer) : answer);
    if (failure === 'truncated') body = body.slice(0, Math.floor(body.length / 2));
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { ETag: etag }).end();
    res.writeHead(200, { 'Content-Type': 'application/json', ETag: etag, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  /** One row per pkgname of every pkgbase, read from the current head's .SRCINFO. */
  private async rows(): Promise<RpcRow[]> {
    const perBase = await Promise.all(
      [...this.bases].map(([pkgbase, base]) => {
        let rows = this.headRows.get(pkgbase);
        if (rows === undefined) {
          const read = this.readHeadRows(pkgbase, base);
          this.headRows.set(pkgbase, read);
          // A head without a valid .SRCINFO (or a failed read) is read again by the next request.
          read.catch(() => this.headRows.get(pkgbase) === read && this.headRows.delete(pkgbase));
          rows = read;
        }
        // No valid .SRCINFO at head: like aurweb's database, RPC keeps the last metadata it could read.
        return rows.catch(() => (this.lastGoodRows.get(pkgbase) ?? []).map((row) => ({ ...row, meta: base.meta })));
      }),
    );
    return perBase.flat();
  }

  /** The rows share `base.meta`, so setMeta() and LastModified bumps show without a new read. */
  private async readHeadRows(pkgbase: string, base: PackageBase): Promise<RpcRow[]> {
    const text = await this.git(['--git-dir', this.repoDir(pkgbase), 'show', 'refs/heads/master:.SRCINFO']);
    const rows = rpcFieldsFromSrcinfo(parseSrcinfo(text)).map((fields) => ({
      // The repo name is the pkgbase: aurweb rejects a push whose .SRCINFO says otherwise.
      fields: { ...fields, PackageBase: pkgbase },
      meta: base.meta,
      packageBaseId: base.id,
      id: base.ids.get(fields.Name) ?? 0,
    }));
    this.lastGoodRows.set(pkgbase, rows);
    return rows;
  }
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL'); // the group is already gone
  }
}

/** `{"results":[` and then spaces, as fast as the client reads them, for as long as it stays. */
function sendEndless(res: ServerResponse): void {
  const filler = Buffer.alloc(64 * 1024, 0x20);
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.write('{"resultcount":1,"results":[');
  const more = () => {
    while (!res.destroyed && res.write(filler));
  };
  res.on('drain', more);
  res.on('error', () => undefined);
  more();
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Plausible type confusion: numbers turned into strings, and an empty result list into `{}`. */
function wrongTypes(answer: unknown): unknown {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return answer;
  const envelope = answer as Record<string, unknown>;
  const results = Array.isArray(envelope.results) ? (envelope.results as Record<string, unknown>[]) : [];
  const stringify = (row: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(row).map(([key, value]) => [key, typeof value === 'number' ? String(value) : value]));
  return { ...envelope, resultcount: String(results.length), results: results.length === 0 ? {} : results.map(stringify) };
}
