import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

/** CGI output: header lines (`Status: 404 Not Found`, `Content-Type: …`), a blank line, the body. */
export function pipeCgiResponse(stdout: Readable, res: ServerResponse): void {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    const text = head.toString('latin1');
    const match = /\r?\n\r?\n/.exec(text);
    if (match === null) return;
    stdout.off('data', onData);
    let status = 200;
    for (const line of text.slice(0, match.index).split(/\r?\n/)) {
      const colon = line.indexOf(':');
      const [name, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else if (colon > 0) res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(match.index + match[0].length));
    stdout.pipe(res);
  };
  stdout.on('data', onData);
  stdout.once('end', () => {
    if (res.headersSent) return;
    const body = 'git http-backend sent no headers';
    res.writeHead(502, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
}
