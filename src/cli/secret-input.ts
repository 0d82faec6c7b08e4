import { InvalidInput } from '../errors.js';
import type { CliIo } from './io.js';

/** Reads a line from the terminal without echoing it. */
export function promptHidden(io: CliIo, question: string): Promise<string> {
  const input = io.stdin;
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      input.setRawMode?.(false);
      input.pause();
      input.off('data', onData);
      io.stderr.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return (finish(), resolve(value));
        if (char === '\u0003' || char === '\u0004') return (finish(), reject(new InvalidInput('cancelled')));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    // Echo goes off before the prompt appears, so nothing typed after it is ever shown.
    input.setEncoding('utf8');
    input.setRawMode?.(true);
    input.resume();
    input.on('data', onData);
    io.stderr.write(question);
  });
}

export async function readStdinLine(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/, 1)[0] ?? '';
}

/** One secret: typed at a hidden prompt on a terminal, else the first line of stdin (for scripts). */
export async function readSecret(io: CliIo, question: string): Promise<string> {
  return io.stdin.isTTY ? promptHidden(io, question) : readStdinLine(io);
}
