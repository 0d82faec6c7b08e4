import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits until `condition` holds, checking every few milliseconds, for state that another process or
 * a background task changes and that offers nothing to await. It has no deadline of its own: the
 * test's timeout bounds it, so a loaded machine only makes it wait longer, never fail.
 */
export async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await sleep(25);
}

/**
 * Resolves when `text` appears in a child's output stream (e.g. a log line saying it is ready), and
 * rejects if the stream ends first, with what it printed.
 */
export function outputContains(stream: NodeJS.ReadableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer | string): void => {
      seen += chunk.toString();
      if (!seen.includes(text)) return;
      stream.off('data', onData);
      stream.off('end', onEnd);
      resolve();
    };
    const onEnd = (): void => reject(new Error(`output ended without ${JSON.stringify(text)}:\n${seen}`));
    stream.on('data', onData);
    stream.on('end', onEnd);
  });
}
