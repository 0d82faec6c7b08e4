import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Checkpoint } from './checkpoint.js';
import { ForkDetected, RollbackDetected, TamperedError } from './errors.js';
import { consistencyProof, MemoryTree } from './merkle.js';
import { advanceVerifierState, checkAdvance, readVerifierState } from './verifier-state.js';

const ORIGIN = 'aurgate.example.com/log';

function tree(entries: string[]): MemoryTree {
  const result = new MemoryTree();
  for (const entry of entries) result.append(Buffer.from(entry));
  return result;
}

const checkpointOf = (t: MemoryTree, size = t.size, origin = ORIGIN): Checkpoint & { note: string } => ({
  origin,
  size,
  rootHash: t.root(size),
  extensions: [],
  note: `${origin}\n${size}\n${t.root(size).toString('base64')}\n\n— ${origin} AAAA\n`,
});

describe('verifier state (the last checkpoint this machine saw)', () => {
  const stateFile = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'aurgate-state-')), 'state', 'log.json');
  const honest = tree(['a', 'b', 'c', 'd', 'e', 'f', 'g']);

  it('trusts the first checkpoint, then accepts only consistent growth, and remembers the newest', () => {
    const file = stateFile();
    expect(readVerifierState(file)).toBeNull();
    expect(advanceVerifierState(file, checkpointOf(honest, 3), [], new Date('2026-06-01T00:00:00Z'))).toEqual({ previous: null, updated: true });
    const result = advanceVerifierState(file, checkpointOf(honest, 7), consistencyProof(honest.read, 3, 7));
    expect(result.updated).toBe(true);
    expect(result.previous?.size).toBe(3);
    expect(readVerifierState(file)).toMatchObject({ origin: ORIGIN, size: 7, rootHash: honest.root(7), note: checkpointOf(honest, 7).note });
    expect(advanceVerifierState(file, checkpointOf(honest, 7), []).updated).toBe(false);
  });

  it('reports a rolled-back checkpoint as a rollback, even a genuine older one', () => {
    const file = stateFile();
    advanceVerifierState(file, checkpointOf(honest, 7), []);
    const error = (() => {
      try {
        advanceVerifierState(file, checkpointOf(honest, 5), []);
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(RollbackDetected);
    expect((error as TamperedError).kind).toBe('rollback');
    expect((error as Error).message).toMatch(/rolled back: this machine already saw 7 entries, the server now shows 5/);
    expect(readVerifierState(file)?.size).toBe(7);
  });

  it('reports a log truncated and re-grown differently as a fork, whatever proof comes with it', () => {
    const rewritten = tree(['a', 'b', 'c', 'd', 'x', 'y', 'z', 'w']);
    const previous = { origin: ORIGIN, size: 7, rootHash: honest.root(7), note: '', seenAt: '' };
    expect(() => checkAdvance(previous, checkpointOf(rewritten), consistencyProof(rewritten.read, 7, 8))).toThrow(ForkDetected);
    expect(() => checkAdvance(previous, checkpointOf(rewritten), consistencyProof(honest.read, 3, 7))).toThrow(
      /the log forked: the tree of 8 entries does not extend the tree of 7 this machine saw/,
    );
  });

  it('reports two different trees of the same size as a fork', () => {
    const other = tree(['a', 'b', 'c', 'd', 'e', 'f', 'X']);
    const previous = { origin: ORIGIN, size: 7, rootHash: honest.root(7), note: '', seenAt: '' };
    expect(() => checkAdvance(previous, checkpointOf(other), [])).toThrow(/two different trees of 7 entries were signed/);
  });

  it('refuses a checkpoint of another log', () => {
    const previous = { origin: ORIGIN, size: 1, rootHash: honest.root(1), note: '', seenAt: '' };
    expect(() => checkAdvance(previous, checkpointOf(honest, 7, 'elsewhere.example/log'), [])).toThrow(
      /but this machine follows "aurgate.example.com\/log"/,
    );
  });

  it('refuses a damaged state file instead of starting over (which would accept any fork)', () => {
    const file = stateFile();
    advanceVerifierState(file, checkpointOf(honest, 2), []);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"size": 2', '"size": "two"'));
    expect(() => readVerifierState(file)).toThrow(/is malformed; remove it only if you trust/);
  });
});
