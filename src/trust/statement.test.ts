import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signAttestation, verifyAttestation } from './attestation.js';
import { rawPublicKey, signEd25519 } from './ed25519.js';
import { keyIdOf } from './key-store.js';
import {
  approvalStatement,
  rangeDigest,
  parseReviewStatement,
  revocationStatement,
  statementPayload,
  REVIEW_PREDICATE_TYPE,
  STATEMENT_TYPE,
  type DecisionFacts,
  type ReviewRiskFlag,
} from './statement.js';

const COMMIT = 'a'.repeat(40);
const BASE = 'b'.repeat(40);
const SHA = 'c'.repeat(64);

function decisionFacts(overrides: Partial<DecisionFacts> = {}): DecisionFacts {
  return {
    pkgbase: 'hello',
    pkgnames: ['hello', 'hello-docs'],
    version: '1.0-1',
    commit: COMMIT,
    archiveSha256: SHA,
    baseCommit: BASE,
    reviewers: [
      { name: 'alice', approvedAt: new Date('2026-06-01T10:00:00Z') },
      { name: 'bob', approvedAt: new Date('2026-06-01T11:30:00Z') },
    ],
    requiredApprovals: 2,
    riskFlags: [{ check: 'new-source-host', severity: 'medium', reason: 'A source moved to a new host.', file: 'PKGBUILD', line: 12 }],
    upstreamMaintainer: 'maint',
    decidedAt: new Date('2026-06-01T11:30:00Z'),
    servedCommits: [overrides.commit ?? COMMIT, 'd'.repeat(40)],
    ...overrides,
  };
}

describe('review statements', () => {
  const key = generateKeyPairSync('ed25519');
  const keyid = keyIdOf(rawPublicKey(key.publicKey));
  const signer = { keyid, sign: (message: Uint8Array) => signEd25519(key.privateKey, message) };
  const trusted = [{ keyid, publicKey: key.publicKey }];

  it('states an approval as an in-toto v1 statement about <pkgbase>@<commit> with the archive and commit digests', () => {
    const statement = approvalStatement(decisionFacts());
    expect(statement._type).toBe(STATEMENT_TYPE);
    expect(statement.predicateType).toBe(REVIEW_PREDICATE_TYPE);
    expect(statement.subject).toEqual([{ name: `hello@${COMMIT}`, digest: { sha256: SHA, gitCommit: COMMIT } }]);
    expect(statement.predicate).toEqual({
      decision: 'approved',
      decidedAt: '2026-06-01T11:30:00.000Z',
      pkgbase: 'hello',
      pkgnames: ['hello', 'hello-docs'],
      version: '1.0-1',
      reviewedRange: { from: BASE, to: COMMIT },
      reviewers: [
        { name: 'alice', approvedAt: '2026-06-01T10:00:00.000Z' },
        { name: 'bob', approvedAt: '2026-06-01T11:30:00.000Z' },
      ],
      policy: { requiredApprovals: 2 },
      riskFlags: [{ check: 'new-source-host', severity: 'medium', reason: 'A source moved to a new host.', file: 'PKGBUILD', line: 12 }],
      riskFlagsOmitted: 0,
      upstreamMaintainer: 'maint',
      servedRange: { count: 2, sha256: rangeDigest([COMMIT, 'd'.repeat(40)]), commits: [COMMIT, 'd'.repeat(40)] },
    });
  });

  it('names every commit an approval makes servable, and a range too long to list by count and digest', () => {
    expect(() => approvalStatement(decisionFacts({ servedCommits: ['d'.repeat(40)] }))).toThrow(/its own commit included/);
    const many = Array.from({ length: 3000 }, (_, i) => i.toString(16).padStart(40, '0'));
    const statement = approvalStatement(decisionFacts({ servedCommits: [COMMIT, ...many] }));
    const range = statement.predicate.servedRange;
    expect(range?.count).toBe(3001);
    expect(range?.commits.length).toBeLessThan(3001);
    expect(range?.sha256).toBe(rangeDigest([...many, COMMIT]));
    expect(signAttestation(statement, signer).bytes.length).toBeLessThanOrEqual(65535);
    const readmitted = approvalStatement(decisionFacts({ readmitted: [{ commit: BASE, state: 'rejected', by: 'ada', reason: 'checked by hand' }] }));
    expect(readmitted.predicate.readmitted).toEqual([{ commit: BASE, state: 'rejected', by: 'ada', reason: 'checked by hand' }]);
  });

  it('refuses a served range that does not match its digest or leaves out the approved commit', () => {
    const statement = approvalStatement(decisionFacts());
    const forged = structuredClone(statement);
    forged.predicate.servedRange = { count: 1, sha256: rangeDigest(['d'.repeat(40)]), commits: ['d'.repeat(40)] };
    expect(() => parseReviewStatement(statementPayload(forged))).toThrow(/does not match its digest or does not contain the approved commit/);
    const edited = structuredClone(statement);
    edited.predicate.servedRange = { count: 2, sha256: statement.predicate.servedRange?.sha256 ?? '', commits: [COMMIT, 'e'.repeat(40)] };
    expect(() => parseReviewStatement(statementPayload(edited))).toThrow(/does not match its digest/);
    expect(parseReviewStatement(statementPayload(statement)).predicate.servedRange).toEqual(statement.predicate.servedRange);
  });

  it('serializes the statement canonically, so the signed bytes are reproducible', () => {
    const payload = statementPayload(approvalStatement(decisionFacts())).toString('utf8');
    expect(payload.startsWith('{"_type":"https://in-toto.io/Statement/v1","predicate":{"decidedAt":')).toBe(true);
    expect(payload).not.toMatch(/\s"|":\s/);
    expect(statementPayload(approvalStatement(decisionFacts()))).toEqual(Buffer.from(payload));
  });

  it('states a revocation with its reason and who revoked, archive digest optional', () => {
    const statement = revocationStatement(decisionFacts({ archiveSha256: null, decidedAt: new Date('2026-06-02T00:00:00Z') }), {
      reason: 'malware in the install script',
      revokedBy: 'carol',
      cascadeFrom: BASE,
    });
    expect(statement.subject[0].digest).toEqual({ gitCommit: COMMIT });
    expect(statement.predicate.decision).toBe('revoked');
    expect(statement.predicate.revocation).toEqual({ reason: 'malware in the install script', revokedBy: 'carol', cascadeFrom: BASE });
    expect(parseReviewStatement(statementPayload(statement))).toEqual(statement);
    expect(() => revocationStatement(decisionFacts(), { reason: ' ', revokedBy: 'carol' })).toThrow(/needs a reason/);
  });

  it('refuses an approval without the archive checksum and malformed ids', () => {
    expect(() => approvalStatement(decisionFacts({ archiveSha256: null }))).toThrow(/sha256 is required/);
    expect(() => approvalStatement(decisionFacts({ commit: 'HEAD' }))).toThrow(/not a commit id/);
    expect(() => approvalStatement(decisionFacts({ archiveSha256: 'abc' }))).toThrow(/not a sha256/);
  });

  it('keeps the largest possible statement within one log entry, counting the flags it leaves out', () => {
    const flags: ReviewRiskFlag[] = Array.from({ length: 500 }, (_, i) => ({
      check: 'x'.repeat(1000),
      severity: 'high',
      reason: `${i} ${'é'.repeat(5000)}`,
      file: 'f'.repeat(1000),
      line: i,
    }));
    const statement = approvalStatement(
      decisionFacts({
        riskFlags: flags,
        pkgnames: Array.from({ length: 500 }, () => 'n'.repeat(500)),
        reviewers: Array.from({ length: 50 }, () => ({ name: 'r'.repeat(500), approvedAt: new Date(0) })),
        version: 'v'.repeat(5000),
        upstreamMaintainer: 'm'.repeat(5000),
      }),
    );
    const kept = statement.predicate.riskFlags.length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(64);
    expect(statement.predicate.riskFlagsOmitted).toBe(500 - kept);
    expect(statement.predicate.riskFlags[0]?.reason).toMatch(/^0 é+…$/);
    expect(signAttestation(statement, signer).bytes.length).toBeLessThanOrEqual(65535);
    const ordinary = approvalStatement(
      decisionFacts({ riskFlags: flags.slice(0, 3).map((flag) => ({ ...flag, reason: 'short', check: 'c', file: 'PKGBUILD' })) }),
    );
    expect([ordinary.predicate.riskFlags.length, ordinary.predicate.riskFlagsOmitted]).toEqual([3, 0]);
  });

  it('refuses a statement that cannot fit a log entry even without risk flags', () => {
    // Control characters are escaped to six bytes each in JSON: 64 names of 200 of them cannot fit.
    expect(() => approvalStatement(decisionFacts({ pkgnames: Array.from({ length: 64 }, () => '\u0001'.repeat(200)) }))).toThrow(
      /does not fit in a log entry even without risk flags/,
    );
  });

  it('signs an attestation whose line verifies with only the public key and matches the expected subject', () => {
    const signed = signAttestation(approvalStatement(decisionFacts()), signer);
    const statement = verifyAttestation(signed.bytes, trusted, { pkgbase: 'hello', commit: COMMIT, sha256: SHA });
    expect(statement.predicate.reviewers.map((reviewer) => reviewer.name)).toEqual(['alice', 'bob']);
    expect(signed.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('detects a swapped snapshot: the lock’s checksum differs from the attested one', () => {
    const signed = signAttestation(approvalStatement(decisionFacts()), signer);
    expect(() => verifyAttestation(signed.bytes, trusted, { pkgbase: 'hello', commit: COMMIT, sha256: 'd'.repeat(64) })).toThrow(
      /attested archive of hello@a{40} has sha256 c{64}, but the lock pins d{64}: the snapshot was swapped/,
    );
    expect(() => verifyAttestation(signed.bytes, trusted, { pkgbase: 'hello', commit: BASE })).toThrow(/is for hello@a{40}, not hello@b{40}/);
    expect(() => verifyAttestation(signed.bytes, trusted, { pkgbase: 'other', commit: COMMIT })).toThrow(/not other@/);
  });

  it('detects an edited decision inside a signed attestation', () => {
    const signed = signAttestation(approvalStatement(decisionFacts()), signer);
    const envelope = JSON.parse(signed.bytes.toString('utf8')) as { payload: string };
    const edited = Buffer.from(envelope.payload, 'base64').toString('utf8').replace('"requiredApprovals":2', '"requiredApprovals":1');
    const line = signed.bytes.toString('utf8').replace(envelope.payload, Buffer.from(edited).toString('base64'));
    expect(() => verifyAttestation(line, trusted)).toThrow(/does not verify/);
  });

  it('refuses signed payloads that are not self-consistent review statements', () => {
    const inconsistent = { ...approvalStatement(decisionFacts()) };
    inconsistent.subject = [{ name: `other@${COMMIT}`, digest: { sha256: SHA, gitCommit: COMMIT } }];
    expect(() => parseReviewStatement(statementPayload(inconsistent))).toThrow(/subject does not name/);
    expect(() => parseReviewStatement(Buffer.from('{"_type":"https://in-toto.io/Statement/v0.1"}'))).toThrow(/malformed review statement/);
    expect(() => parseReviewStatement(Buffer.from('[]'))).toThrow(/malformed review statement/);
  });
});
