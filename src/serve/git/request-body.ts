import { pipeline, Readable, Transform } from 'node:stream';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';

/** Why a request body could not be used: 413 past the size cap, 400 when it cannot be read or decoded. */
export class RequestBodyError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'RequestBodyError';
  }
}

/** The answer to a body that failed: our own errors carry their status; gzip and socket errors mean unreadable. */
export function bodyRefusal(error: unknown): { status: 400 | 413; message: string } {
  const reason = error instanceof Error ? error.message : 'unreadable';
  if (error instanceof RequestBodyError && error.status === 413) return { status: 413, message: `aurgate: ${reason}` };
  return { status: 400, message: `aurgate: unreadable git request (${reason})` };
}

function byteCap(maxBytes: number, what: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > maxBytes) callback(new RequestBodyError(413, `${what} is larger than ${maxBytes} bytes`));
      else callback(null, chunk);
    },
  });
}

/**
 * The request body as a stream, gzip-decoded when the client compressed it. Both the bytes received
 * and the bytes decoded are capped while they stream, so a large body or a gzip bomb fails at the cap
 * with a RequestBodyError (413) instead of being held in memory; a broken gzip stream fails too.
 */
export function decodedBody(body: ReadableStream<Uint8Array> | null, gzip: boolean, maxBytes: number): Readable {
  const source = body ? Readable.fromWeb(body as NodeWebReadableStream<Uint8Array>) : Readable.from([]);
  const stages = gzip
    ? [source, byteCap(maxBytes, 'the request body'), createGunzip(), byteCap(maxBytes, 'the decoded request body')]
    : [source, byteCap(maxBytes, 'the request body')];
  // The callback form returns the last stage; every stage's error reaches it as an 'error' event.
  const decoded = pipeline(stages, () => {}) as unknown as Readable;
  // Whoever reads the body sees its error; until someone does, an error must not become an uncaught one.
  decoded.on('error', () => {});
  return decoded;
}

/**
 * Reads the start of a stream: all of it when it ends within `limit` bytes (`ended`), else at least
 * `limit` bytes, after which the stream is paused with what was read pushed back, so it can still be
 * consumed from its first byte.
 */
export function readPrefix(stream: Readable, limit: number): Promise<{ bytes: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size <= limit) return;
      cleanup();
      stream.pause();
      const bytes = Buffer.concat(chunks);
      stream.unshift(bytes);
      resolve({ bytes, ended: false });
    };
    const onEnd = (): void => (cleanup(), resolve({ bytes: Buffer.concat(chunks), ended: true }));
    const onError = (error: Error): void => (cleanup(), reject(error));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}
