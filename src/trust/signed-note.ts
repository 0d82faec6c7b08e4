import { createHash, type KeyObject } from 'node:crypto';
import { InvalidInput } from '../errors.js';
import { publicKeyFromRaw, rawPublicKey, signEd25519, verifyEd25519, ED25519_KEY_BYTES } from './ed25519.js';
import { TamperedError } from './errors.js';

/**
 * C2SP signed-note (https://c2sp.org/signed-note), Ed25519 only: the text, a blank line, then one
 * `— <key name> base64(key hash || signature)` line per signature. Hand-written because no npm
 * package implements it, and every byte here is compared by other implementations (Go's
 * golang.org/x/mod/sumdb/note is the reference; test/trust-interop.test.ts runs it on our output).
 */
export const NOTE_SIG_ED25519 = 0x01;
/** Verifiers must accept at least 16 signatures; Go's reader stops at 100, so do we. */
export const MAX_NOTE_SIGNATURES = 100;
/** Checkpoints are a few hundred bytes; the cap leaves room for 100 large (post-quantum) cosignatures. */
export const MAX_NOTE_BYTES = 1_000_000;

const SIGNATURE_PREFIX = '— ';
const WHITE_SPACE = /\p{White_Space}/u;
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface NoteVerifier {
  name: string;
  keyHash: number;
  publicKey: KeyObject;
}

export interface NoteSigner {
  name: string;
  keyHash: number;
  sign(message: Uint8Array): Buffer;
}

export interface NoteSignature {
  name: string;
  keyHash: number;
  /** The base64 text as it appeared on the signature line. */
  base64: string;
}

export interface OpenedNote {
  /** The signed text, ending in a newline. */
  text: string;
  verified: NoteSignature[];
  /** Signatures by keys the caller does not know: ignored, as the spec requires. */
  unverified: NoteSignature[];
}

/** Key names are non-empty with no Unicode spaces and no '+'. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !WHITE_SPACE.test(name) && !name.includes('+');
}

/** SHA-256(name || "\n" || 0x01 || public key)[:4] as a big-endian uint32. */
export function noteKeyHash(name: string, publicKey: Uint8Array): number {
  const digest = createHash('sha256')
    .update(name, 'utf8')
    .update('\n')
    .update(Buffer.from([NOTE_SIG_ED25519]))
    .update(publicKey)
    .digest();
  return digest.readUInt32BE(0);
}

/** The `<name>+<hex key hash>+<base64(0x01 || public key)>` verifier key that Go's note.NewVerifier accepts. */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new InvalidInput(`invalid note key name ${JSON.stringify(name)}: it must be non-empty, without spaces or '+'`);
  const hash = noteKeyHash(name, publicKey).toString(16).padStart(8, '0');
  return `${name}+${hash}+${Buffer.concat([Buffer.from([NOTE_SIG_ED25519]), publicKey]).toString('base64')}`;
}

export function parseVerifierKey(vkey: string): NoteVerifier {
  const invalid = (why: string) => new InvalidInput(`invalid verifier key ${JSON.stringify(vkey.slice(0, 200))}: ${why}`);
  // The key's base64 may hold '+': only the first two separate fields, as in Go's note.NewVerifier.
  const match = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(vkey.trim());
  if (!match) throw invalid('expected <name>+<key hash>+<key>');
  const [, name, hashHex, keyBase64] = match as unknown as [string, string, string, string];
  if (!isValidKeyName(name)) throw invalid('bad key name');
  if (!/^[0-9a-f]{8}$/.test(hashHex)) throw invalid('the key hash is not 8 lowercase hex digits');
  if (!STRICT_BASE64.test(keyBase64)) throw invalid('the key is not base64');
  const key = Buffer.from(keyBase64, 'base64');
  if (key[0] !== NOTE_SIG_ED25519) throw invalid('not an Ed25519 key (algorithm byte 0x01)');
  if (key.length !== 1 + ED25519_KEY_BYTES) throw invalid('wrong key length');
  const raw = key.subarray(1);
  const keyHash = noteKeyHash(name, raw);
  if (keyHash !== Number.parseInt(hashHex, 16)) throw invalid('the key hash does not match the name and key');
  return { name, keyHash, publicKey: publicKeyFromRaw(raw) };
}

export function noteVerifier(name: string, publicKey: KeyObject): NoteVerifier {
  return parseVerifierKey(formatVerifierKey(name, rawPublicKey(publicKey)));
}

export function noteSigner(name: string, privateKey: KeyObject): NoteSigner {
  if (!isValidKeyName(name)) throw new InvalidInput(`invalid note key name ${JSON.stringify(name)}`);
  return { name, keyHash: noteKeyHash(name, rawPublicKey(privateKey)), sign: (message) => signEd25519(privateKey, message) };
}

/** Signs `text` (which must end in a newline and hold no control characters but newlines). */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (!text.endsWith('\n') || CONTROL.test(text)) throw new InvalidInput('note text must end in a newline and hold no control characters');
  if (signers.length === 0) throw new InvalidInput('a note needs at least one signer');
  const message = Buffer.from(text, 'utf8');
  const lines = signers.map((signer) => {
    const hash = Buffer.alloc(4);
    hash.writeUInt32BE(signer.keyHash);
    return `${SIGNATURE_PREFIX}${signer.name} ${Buffer.concat([hash, signer.sign(message)]).toString('base64')}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

/**
 * Parses a signed note and checks every signature by a key in `verifiers`. Unknown keys are ignored;
 * a known key whose signature fails rejects the whole note; a note with no valid signature by a
 * known key is rejected.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const message = typeof note === 'string' ? note : decodeUtf8(note);
  if (Buffer.byteLength(message, 'utf8') > MAX_NOTE_BYTES) throw malformed(`the note is larger than ${MAX_NOTE_BYTES} bytes`);
  if (CONTROL.test(message)) throw malformed('the note holds control characters');
  const split = message.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const text = message.slice(0, split + 1);
  const block = message.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) throw malformed('the signature block must end in a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw malformed(`more than ${MAX_NOTE_SIGNATURES} signatures`);

  const textBytes = Buffer.from(text, 'utf8');
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const line of lines) {
    const signature = parseSignatureLine(line);
    const id = `${signature.name}+${signature.keyHash}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const matching = verifiers.filter((verifier) => verifier.name === signature.name && verifier.keyHash === signature.keyHash);
    if (matching.length === 0) {
      unverified.push(signature);
      continue;
    }
    const bytes = Buffer.from(signature.base64, 'base64').subarray(4);
    if (!matching.some((verifier) => verifyEd25519(verifier.publicKey, textBytes, bytes))) {
      throw new TamperedError('bad-signature', `the note's signature by ${describeKey(signature)} does not verify: the note was altered or forged`);
    }
    verified.push(signature);
  }
  if (verified.length === 0) {
    const signers = unverified.map(describeKey).join(', ');
    throw new TamperedError('unknown-key', `the note is not signed by a trusted key (signed by: ${signers})`);
  }
  return { text, verified, unverified };
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed('a signature line does not start with "— "');
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  const base64 = space < 0 ? '' : rest.slice(space + 1);
  if (!isValidKeyName(name)) throw malformed(`bad key name on a signature line`);
  if (!STRICT_BASE64.test(base64) || base64.length < 8) throw malformed(`bad signature encoding for ${name}`);
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length < 5) throw malformed(`signature by ${name} is too short`);
  return { name, keyHash: bytes.readUInt32BE(0), base64 };
}

function describeKey(signature: NoteSignature): string {
  return `${signature.name}+${signature.keyHash.toString(16).padStart(8, '0')}`;
}

function decodeUtf8(bytes: Uint8Array): string {
  if (bytes.length > MAX_NOTE_BYTES) throw malformed(`the note is larger than ${MAX_NOTE_BYTES} bytes`);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw malformed('the note is not valid UTF-8');
  }
}

function malformed(why: string): TamperedError {
  return new TamperedError('malformed', `malformed signed note: ${why}`);
}
