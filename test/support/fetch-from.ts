import { request } from 'node:http';

/**
 * A `fetch` whose connections leave from a chosen local address (on Linux all of 127.0.0.0/8 is
 * loopback), so one test can be several clients. Global fetch cannot bind its socket without undici's
 * Agent, which is not a dependency; node:http can. Covers what the tests send: string or form bodies,
 * plain header records, no redirects followed. `extraHeaders` go with every request (a proxy's
 * X-Forwarded-For).
 */
export function fetchFrom(localAddress: string, extraHeaders: Record<string, string> = {}): typeof fetch {
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const body = init.body === undefined || init.body === null ? undefined : String(init.body);
      const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined), ...extraHeaders };
      if (body !== undefined && init.body instanceof URLSearchParams) headers['Content-Type'] ??= 'application/x-www-form-urlencoded';
      const outgoing = request(
        { host: url.hostname, port: url.port, path: url.pathname + url.search, method: init.method ?? 'GET', headers, localAddress, agent: false },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const responseHeaders = new Headers();
            for (let index = 0; index < incoming.rawHeaders.length; index += 2) {
              responseHeaders.append(incoming.rawHeaders[index] ?? '', incoming.rawHeaders[index + 1] ?? '');
            }
            const status = incoming.statusCode ?? 0;
            const noBody = status === 204 || status === 304 || (init.method ?? 'GET') === 'HEAD';
            resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
}
