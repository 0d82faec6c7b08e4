/**
 * Reads an HTTP answer's body whole, but never more than `maxBytes` of it: a server that sends more
 * (or never stops) gets `tooLarge()`, whose error the caller chooses, and the rest is not read.
 */
export async function readBodyWithin(body: ReadableStream<Uint8Array> | null, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of (body ?? []) as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    // Leaving the loop by throwing cancels the stream.
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
