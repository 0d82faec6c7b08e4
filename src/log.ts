import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stderr, so stdout stays free for command output. A CLI run in-process (the
 * tests) passes its own stderr instead.
 */
export function createLogger(level: string, base: Record<string, unknown> = {}, destination?: { write(text: string): unknown }): Logger {
  return pino({ level, base: { ...base }, timestamp: pino.stdTimeFunctions.isoTime }, destination ?? pino.destination(2));
}
