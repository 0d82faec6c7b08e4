import { describe, expect, it } from 'vitest';
import { Conflict } from '../errors.js';
import { assertTransition, canTransition, REVISION_STATES } from './states.js';

describe('revision state transitions', () => {
  const allowed = new Set(['pending>approved', 'pending>rejected', 'pending>superseded', 'approved>revoked']);

  it('allows exactly pending → approved | rejected | superseded and approved → revoked', () => {
    for (const from of REVISION_STATES) {
      for (const to of REVISION_STATES) expect(canTransition(from, to), `${from} → ${to}`).toBe(allowed.has(`${from}>${to}`));
    }
  });

  it('refuses anything else with a clear error naming the revision', () => {
    const context = { pkgbase: 'foo', commit: 'a'.repeat(40) };
    expect(() => assertTransition('rejected', 'approved', context)).toThrow(Conflict);
    expect(() => assertTransition('rejected', 'approved', context)).toThrow(
      'cannot move revision aaaaaaaaaaaa of foo from rejected to approved: rejected is final',
    );
    expect(() => assertTransition('approved', 'pending', context)).toThrow('an approved revision can only become revoked');
    expect(() => assertTransition('pending', 'revoked', context)).toThrow(/can only become approved or rejected or superseded/);
  });
});
