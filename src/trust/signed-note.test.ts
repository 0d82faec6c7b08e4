import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parsePrivateKey } from './key-store.js';
import { privateKeyFromSeed, rawPublicKey } from './ed25519.js';
import { formatVerifierKey, noteKeyHash, noteSigner, noteVerifier, openNote, parseVerifierKey, signNote } from './signed-note.js';

// Known answers from Go's golang.org/x/mod/sumdb/note tests (note_test.go): a private key, its
// verifier key, and the exact signed note it produces (Ed25519 signatures are deterministic).
const PETER_PRIVATE = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VERIFIER = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VERIFIER = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

describe('C2SP signed notes', () => {
  const peterKey = parsePrivateKey(Buffer.from(PETER_PRIVATE));
  const peter = parseVerifierKey(PETER_VERIFIER);
  const enoch = parseVerifierKey(ENOCH_VERIFIER);

  it('derives the Go reference verifier key and key hash from the reference private key', () => {
    expect(formatVerifierKey('PeterNeumann', rawPublicKey(peterKey))).toBe(PETER_VERIFIER);
    expect(noteKeyHash('PeterNeumann', rawPublicKey(peterKey))).toBe(0xc74f20a3);
  });

  it('signs the reference text byte for byte as Go does', () => {
    expect(signNote(TEXT, [noteSigner('PeterNeumann', peterKey)])).toBe(`${TEXT}\n${PETER_SIG}`);
  });

  it('opens the reference note, keeping signatures by unknown keys apart', () => {
    const opened = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter]);
    expect(opened.text).toBe(TEXT);
    expect(opened.verified.map((sig) => sig.name)).toEqual(['PeterNeumann']);
    expect(opened.unverified.map((sig) => [sig.name, sig.keyHash])).toEqual([['EnochRoot', 0xaf0cfe78]]);
    expect(openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter, enoch]).verified).toHaveLength(2);
  });

  it('rejects a note with no signature by a trusted key, naming who signed it', () => {
    expect(() => openNote(`${TEXT}\n${PETER_SIG}`, [enoch])).toThrow(/not signed by a trusted key \(signed by: PeterNeumann\+c74f20a3\)/);
  });

  it('rejects the whole note when a trusted key’s signature fails, even beside a valid one', () => {
    const altered = `${TEXT.replace('answer', 'answers')}\n${PETER_SIG}`;
    expect(() => openNote(altered, [peter])).toThrow(/signature by PeterNeumann\+c74f20a3 does not verify/);
    const forgedEnoch = ENOCH_SIG.replace('rwz+eBzm', 'rwz+eBzn');
    expect(() => openNote(`${TEXT}\n${PETER_SIG}${forgedEnoch}`, [peter, enoch])).toThrow(/EnochRoot\+af0cfe78 does not verify/);
  });

  it('ignores a key that shares the name but not the key hash (a signature by an unknown key)', () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    const note = signNote(TEXT, [noteSigner('PeterNeumann', other)]);
    expect(() => openNote(note, [peter])).toThrow(/not signed by a trusted key/);
  });

  it.each([
    ['no blank line', `${TEXT}${PETER_SIG}`],
    ['no final newline', `${TEXT}\n${PETER_SIG.trimEnd()}`],
    ['an ASCII hyphen instead of the em dash', `${TEXT}\n${PETER_SIG.replace('—', '-')}`],
    ['a control character', `${TEXT.replace('answer', 'ans\u0007wer')}\n${PETER_SIG}`],
    ['a carriage return', `${TEXT}\n${PETER_SIG.replace('\n', '\r\n')}`],
    ['a name with a plus', `${TEXT}\n${PETER_SIG.replace('PeterNeumann', 'Peter+Neumann')}`],
    ['non-base64 signature', `${TEXT}\n— PeterNeumann !!!!\n`],
    ['a too short signature', `${TEXT}\n— PeterNeumann AAAA\n`],
    ['too many signatures', `${TEXT}\n${PETER_SIG.repeat(101)}`],
  ])('rejects a malformed note: %s', (_, note) => {
    expect(() => openNote(note, [peter])).toThrow(/malformed signed note/);
  });

  it('rejects invalid UTF-8 bytes', () => {
    const bytes = Buffer.concat([Buffer.from(TEXT), Buffer.from([0xff]), Buffer.from(`\n\n${PETER_SIG}`)]);
    expect(() => openNote(bytes, [peter])).toThrow(/not valid UTF-8/);
  });

  it('refuses verifier keys Go refuses: wrong hash, wrong algorithm, wrong length, bad names', () => {
    expect(() => parseVerifierKey(PETER_VERIFIER.replace('c74f20a3', 'c74f20a4'))).toThrow(/key hash does not match/);
    expect(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow(/not an Ed25519 key/);
    expect(() => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==')).toThrow(/wrong key length/);
    expect(() => parseVerifierKey(PETER_VERIFIER.slice(0, -1))).toThrow(/invalid verifier key/);
    expect(() => parseVerifierKey(`Peter Neumann+${PETER_VERIFIER.split('+').slice(1).join('+')}`)).toThrow(/bad key name/);
    expect(() => formatVerifierKey('a b', rawPublicKey(peterKey))).toThrow(/invalid note key name/);
  });

  it('signs with several keys, each verifiable on its own', () => {
    const other = generateKeyPairSync('ed25519');
    const note = signNote('hello\n', [noteSigner('example.com/a', peterKey), noteSigner('example.com/b', other.privateKey)]);
    expect(openNote(note, [noteVerifier('example.com/b', other.publicKey)]).verified.map((sig) => sig.name)).toEqual(['example.com/b']);
  });

  it("reads a verifier key whose base64 holds a '+' (only the first two '+' separate fields)", () => {
    const vkey = formatVerifierKey('example.com/b', rawPublicKey(privateKeyFromSeed(Buffer.alloc(32, 8))));
    expect(vkey).toBe('example.com/b+df1f3ab6+AROY9ixtGkV8UbpqS189vS9p/KkyFiGNyJl+QWvRfZPK');
    expect(parseVerifierKey(vkey).keyHash).toBe(0xdf1f3ab6);
  });

  it('refuses to sign text that is not a note text', () => {
    const signer = noteSigner('PeterNeumann', peterKey);
    expect(() => signNote('no newline', [signer])).toThrow(/must end in a newline/);
    expect(() => signNote('tab\there\n', [signer])).toThrow(/control characters/);
  });
});
