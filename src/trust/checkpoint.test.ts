import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from './checkpoint.js';
import { noteSigner, noteVerifier, openNote } from './signed-note.js';

const ORIGIN = 'aurgate.example.com/log';
const ROOT = Buffer.from('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'base64');

describe('C2SP checkpoints', () => {
  const key = generateKeyPairSync('ed25519');
  const signer = noteSigner(ORIGIN, key.privateKey);
  const verifier = noteVerifier(ORIGIN, key.publicKey);

  it('reads the example of the C2SP tlog-checkpoint specification', () => {
    const body = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    expect(parseCheckpoint(body)).toEqual({ origin: 'example.com/behind-the-sofa', size: 20852163, rootHash: ROOT, extensions: [] });
    expect(formatCheckpoint(parseCheckpoint(body))).toBe(body);
  });

  it('keeps extension lines in order', () => {
    const text = formatCheckpoint({ origin: ORIGIN, size: 0, rootHash: ROOT, extensions: ['first', 'second ext'] });
    expect(text).toBe(`${ORIGIN}\n0\n${ROOT.toString('base64')}\nfirst\nsecond ext\n`);
    expect(parseCheckpoint(text).extensions).toEqual(['first', 'second ext']);
  });

  it.each([
    ['two lines', `${ORIGIN}\n1\n`],
    ['a leading zero', `${ORIGIN}\n01\n${ROOT.toString('base64')}\n`],
    ['a negative size', `${ORIGIN}\n-1\n${ROOT.toString('base64')}\n`],
    ['a size beyond 2^53', `${ORIGIN}\n18446744073709551615\n${ROOT.toString('base64')}\n`],
    ['a short root hash', `${ORIGIN}\n1\nAAAA\n`],
    ['non-canonical base64', `${ORIGIN}\n1\n${ROOT.toString('base64').replace('=', '')}\n`],
    ['an empty origin', `\n1\n${ROOT.toString('base64')}\n`],
    ['an empty extension line', `${ORIGIN}\n1\n${ROOT.toString('base64')}\n\next\n`],
    ['no final newline', `${ORIGIN}\n1\n${ROOT.toString('base64')}`],
  ])('rejects a malformed body: %s', (_, text) => {
    expect(() => parseCheckpoint(text)).toThrow(/malformed checkpoint/);
  });

  it('signs a checkpoint whose signature line carries the key name and key hash', () => {
    const note = signCheckpoint({ origin: ORIGIN, size: 7, rootHash: ROOT, extensions: [] }, [signer]);
    const lines = note.split('\n');
    expect(lines.slice(0, 4)).toEqual([ORIGIN, '7', ROOT.toString('base64'), '']);
    expect(lines[4]).toMatch(new RegExp(`^— ${ORIGIN} [A-Za-z0-9+/]{91}=$`));
    expect(Buffer.from((lines[4] as string).split(' ')[2] as string, 'base64').readUInt32BE(0)).toBe(verifier.keyHash);
    const opened = openCheckpoint(note, [verifier], ORIGIN);
    expect([opened.size, opened.rootHash]).toEqual([7, ROOT]);
    expect(opened.note).toBe(note);
  });

  it('rejects a checkpoint signed by another key, and one for another origin', () => {
    const other = generateKeyPairSync('ed25519');
    const forged = signCheckpoint({ origin: ORIGIN, size: 7, rootHash: ROOT, extensions: [] }, [noteSigner(ORIGIN, other.privateKey)]);
    expect(() => openCheckpoint(forged, [verifier], ORIGIN)).toThrow(/not signed by a trusted key/);
    const elsewhere = signCheckpoint({ origin: 'other.example/log', size: 7, rootHash: ROOT, extensions: [] }, [noteSigner(ORIGIN, key.privateKey)]);
    expect(openNote(elsewhere, [verifier]).verified).toHaveLength(1);
    expect(() => openCheckpoint(elsewhere, [verifier], ORIGIN)).toThrow(/checkpoint is for log "other.example\/log", expected/);
  });

  it('rejects an edited size or root under a valid-looking signature', () => {
    const note = signCheckpoint({ origin: ORIGIN, size: 7, rootHash: ROOT, extensions: [] }, [signer]);
    expect(() => openCheckpoint(note.replace('\n7\n', '\n8\n'), [verifier], ORIGIN)).toThrow(/does not verify/);
  });
});
