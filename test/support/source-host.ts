import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real "upstream source host" on 127.0.0.1 for PKGBUILD `source=` URLs (release tarballs and the
 * like), separate from TestUpstream's AUR. Files are served from memory; `redirect` answers a 302 to
 * another URL; every request is logged so a test can tell whether a build went online.
 */
export class SourceHost {
  readonly requests: string[] = [];
  private readonly files = new Map<string, Buffer>();
  private readonly redirects = new Map<string, string>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<SourceHost> {
    // The handler needs the host, the host needs the server's port: a holder breaks the cycle.
    const holder: { host?: SourceHost } = {};
    const server = createServer((req, res) => {
      const host = holder.host;
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      host?.requests.push(path);
      const target = host?.redirects.get(path);
      if (target) return void res.writeHead(302, { Location: target }).end();
      const body = host?.files.get(path);
      if (!body) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const host = new SourceHost(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    holder.host = host;
    return host;
  }

  /** Serves `bytes` at `path` (which starts with `/`) and returns its full URL. */
  put(path: string, bytes: Buffer | string): string {
    this.files.set(path, Buffer.from(bytes));
    return `${this.url}${path}`;
  }

  redirect(path: string, location: string): string {
    this.redirects.set(path, location);
    return `${this.url}${path}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
