/**
 * What a CLI run reads and writes. `bin/aurgate.js` gives it the process's own streams and
 * environment; tests run the same program in-process with their own (a Node process start per
 * command cost seconds). Commands write only through it and report their exit code in it.
 */
export interface CliOutput {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
}

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  /** Passwords and secrets: a hidden prompt on a terminal, else the first line. */
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  exitCode: number;
  /** Where JSON logs go; the process's stderr (fd 2, written synchronously) when absent. */
  readonly logDestination?: CliOutput;
}

export function processIo(): CliIo {
  return { env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, exitCode: 0 };
}

export function out(io: CliIo, text: string): void {
  io.stdout.write(text);
}
