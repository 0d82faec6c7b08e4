import { InvalidInput } from '../errors.js';
import type { DsseKey } from './dsse.js';
import { rawPublicKey } from './ed25519.js';
import { keyIdOf, type KeyInfo } from './key-store.js';
import { formatVerifierKey, parseVerifierKey, type NoteVerifier } from './signed-note.js';

/**
 * The public keys a verifier trusts, as it pins them: one note verifier key per line
 * (`<origin>+<key hash>+<base64>`, the form Go's note.NewVerifier takes), `#` comments allowed. The same
 * Ed25519 key checks checkpoints (as a note verifier) and attestations (as a DSSE key whose id is the
 * SHA-256 of the raw key), so one pinned line covers both. Retired keys stay pinned for old signatures.
 */
export interface PinnedKeys {
  notes: NoteVerifier[];
  dsse: DsseKey[];
}

const MAX_PINNED_KEYS = 64;

export function parsePinnedKeys(text: string): PinnedKeys {
  const lines = text
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean);
  if (lines.length === 0) throw new InvalidInput('no public key given: pin at least one note verifier key (<origin>+<hash>+<key>)');
  if (lines.length > MAX_PINNED_KEYS) throw new InvalidInput(`at most ${MAX_PINNED_KEYS} pinned keys`);
  return fromVerifiers(lines.map(parseVerifierKey));
}

/** The pinned-keys file for a key store: every key, active last, under the log origin. */
export function formatPinnedKeys(keys: readonly KeyInfo[], origin: string): string {
  return keys.map((key) => `${formatVerifierKey(origin, key.raw)}\n`).join('');
}

export function pinnedKeysOf(keys: readonly KeyInfo[], origin: string): PinnedKeys {
  return parsePinnedKeys(formatPinnedKeys(keys, origin));
}

function fromVerifiers(notes: NoteVerifier[]): PinnedKeys {
  const dsse = new Map<string, DsseKey>();
  for (const note of notes) {
    const keyid = keyIdOf(rawPublicKey(note.publicKey));
    dsse.set(keyid, { keyid, publicKey: note.publicKey });
  }
  return { notes, dsse: [...dsse.values()] };
}
