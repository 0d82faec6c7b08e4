import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server } from 'node:net';

/**
 * Holding a clone in flight without timing: a package whose pack is a few MB, cloned through a proxy that
 * passes the server's bytes at a fixed rate. Once `passed` resolves, part of the pack went through and the
 * rest takes seconds more, so "the clone is running" is certain when a test stops the server.
 */
export const THROTTLE_BYTES_PER_SECOND = 1_000_000;

/** Random content does not compress: about 3 MB of pack data. */
export function heavyFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let index = 0; index < 3; index += 1)
    files[`data/blob-${index}.b64`] = `${(
      randomBytes(768 * 1024)
        .toString('base64')
        .match(/.{1,76}/g) ?? []
    ).join('\n')}\n`;
  return files;
}

export interface ThrottlingProxy {
  server: Server;
  port: number;
  /** Resolves once `mark` bytes went from the target to the client. */
  passed: Promise<void>;
}

/** Forwards to 127.0.0.1:targetPort, passing target→client bytes at THROTTLE_BYTES_PER_SECOND. */
export async function throttlingProxy(targetPort: number, mark: number): Promise<ThrottlingProxy> {
  let forwarded = 0;
  let reached = (): void => undefined;
  const passed = new Promise<void>((resolve) => (reached = resolve));
  const server = createServer((client) => {
    const target = connect(targetPort, '127.0.0.1');
    client.pipe(target);
    target.on('data', (chunk: Buffer) => {
      forwarded += chunk.length;
      if (forwarded >= mark) reached();
      client.write(chunk);
      target.pause();
      setTimeout(() => target.resume(), (chunk.length / THROTTLE_BYTES_PER_SECOND) * 1000);
    });
    target.on('end', () => client.end());
    target.on('error', () => client.destroy());
    client.on('error', () => target.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, passed };
}
