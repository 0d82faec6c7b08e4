import { HASH_BYTES } from './merkle.js';
import { TamperedError } from './errors.js';
import { openNote, signNote, type NoteSigner, type NoteVerifier, type OpenedNote } from './signed-note.js';

/**
 * C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the note text `<origin>\n<size>\n<base64
 * root hash>\n[extension lines\n]`, signed as a signed note. The reader is strict (no leading zeros,
 * canonical base64, non-empty lines) so one tree head has exactly one textual form.
 */
export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Buffer;
  extensions: string[];
}

export interface SignedCheckpoint extends Checkpoint {
  /** The whole signed note, as served at `<prefix>/checkpoint`. */
  note: string;
  signatures: OpenedNote['verified'];
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

export function formatCheckpoint(checkpoint: Checkpoint): string {
  if (checkpoint.origin.length === 0 || checkpoint.origin.includes('\n')) throw new TypeError('a checkpoint origin is one non-empty line');
  if (!Number.isSafeInteger(checkpoint.size) || checkpoint.size < 0) throw new TypeError(`invalid tree size ${checkpoint.size}`);
  if (checkpoint.rootHash.length !== HASH_BYTES) throw new TypeError('a root hash is 32 bytes');
  for (const line of checkpoint.extensions) {
    if (line.length === 0 || line.includes('\n')) throw new TypeError('checkpoint extension lines are non-empty single lines');
  }
  const lines = [checkpoint.origin, String(checkpoint.size), checkpoint.rootHash.toString('base64'), ...checkpoint.extensions];
  return `${lines.join('\n')}\n`;
}

export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw malformed('the text does not end in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed('fewer than three lines');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) throw malformed('empty origin line');
  if (!DECIMAL.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) throw malformed(`bad tree size ${JSON.stringify(sizeText.slice(0, 40))}`);
  const rootHash = Buffer.from(rootText, 'base64');
  if (rootHash.length !== HASH_BYTES || rootHash.toString('base64') !== rootText) throw malformed('the root hash is not base64 of 32 bytes');
  if (extensions.some((line) => line.length === 0)) throw malformed('empty extension line');
  return { origin, size: Number(sizeText), rootHash, extensions };
}

export function signCheckpoint(checkpoint: Checkpoint, signers: readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(checkpoint), signers);
}

/**
 * Verifies a signed checkpoint against trusted keys and the origin the caller expects; a checkpoint of
 * another log, even one signed by a trusted key, is refused.
 */
export function openCheckpoint(note: string | Uint8Array, verifiers: readonly NoteVerifier[], expectedOrigin: string): SignedCheckpoint {
  const opened = openNote(note, verifiers);
  const checkpoint = parseCheckpoint(opened.text);
  if (checkpoint.origin !== expectedOrigin) {
    throw new TamperedError(
      'origin-mismatch',
      `the checkpoint is for log ${JSON.stringify(checkpoint.origin.slice(0, 200))}, expected ${JSON.stringify(expectedOrigin)}`,
    );
  }
  const noteText = typeof note === 'string' ? note : Buffer.from(note).toString('utf8');
  return { ...checkpoint, note: noteText, signatures: opened.verified };
}

function malformed(why: string): TamperedError {
  return new TamperedError('malformed', `malformed checkpoint: ${why}`);
}
