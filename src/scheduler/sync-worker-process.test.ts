import { describe, expect, it } from 'vitest';
import { workerCommand } from './sync-worker-process.js';

describe('the sync worker command', () => {
  it('runs the compiled entry with plain node, and the sources through the tsx loader', () => {
    expect(workerCommand('file:///app/dist/src/scheduler/sync-worker-process.js')).toEqual({
      file: process.execPath,
      args: ['/app/dist/src/main.js', 'sync-worker'],
    });
    const { file, args } = workerCommand();
    expect(file).toBe(process.execPath);
    expect(args[0]).toBe('--import');
    expect(args[1]).toMatch(/^file:\/\/\/.*\/tsx\/dist\/loader\.mjs$/);
    expect(args.slice(2)).toEqual([expect.stringMatching(/\/src\/main\.ts$/), 'sync-worker']);
  });
});
