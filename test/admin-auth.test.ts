import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../src/accounts/passwords.js';
import { can, type Principal } from '../src/admin/auth/principal.js';
import { parseScopes, scopesForRole } from '../src/accounts/roles.js';
import { createSession, csrfTokenFor, deleteSession, resolveSession, SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from '../src/accounts/sessions.js';
import { signIn } from '../src/app/sign-in.js';
import { LoginThrottle } from '../src/accounts/throttle.js';
import { createToken, resolveToken, revokeToken } from '../src/accounts/tokens.js';
import { createUser, findUserByName, type User } from '../src/accounts/users.js';
import { disableUser } from '../src/app/accounts.js';
import { openDatabase, type Db } from '../src/db/open.js';
import { Conflict, Forbidden, InvalidInput } from '../src/errors.js';
import { listAudit } from '../src/quarantine/audit.js';
import { runCliInProcess } from './support/harness.js';
import { addTestUser } from './support/accounts.js';

const PASSWORD = 'correct horse battery staple';
const CLIENT = { ip: '192.0.2.1', userAgent: 'vitest' };

let dir: string;
let db: Db;
let admin: User;
let reviewer: User;
let viewer: User;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aurgate-admin-auth-'));
  db = openDatabase(join(dir, 'aurgate.db'));
  [admin, reviewer, viewer] = await Promise.all([
    addTestUser(db, { name: 'ada', role: 'admin', password: PASSWORD }, 'test'),
    addTestUser(db, { name: 'rita', role: 'reviewer', password: PASSWORD }, 'test'),
    addTestUser(db, { name: 'vic', role: 'viewer', password: PASSWORD }, 'test'),
  ]);
});

afterAll(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

describe('passwords', () => {
  it('are stored as salted scrypt hashes that only the right password matches', async () => {
    const [first, second] = await Promise.all([hashPassword(PASSWORD), hashPassword(PASSWORD)]);
    expect(first).toMatch(/^scrypt\$16\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain(PASSWORD);
    expect(await verifyPassword(PASSWORD, first)).toBe(true);
    expect(await verifyPassword(PASSWORD, second)).toBe(true);
    expect(await verifyPassword(`${PASSWORD}!`, first)).toBe(false);
  });

  it('never match a malformed or tampered hash', async () => {
    const hash = await hashPassword(PASSWORD);
    expect(await verifyPassword(PASSWORD, 'plain')).toBe(false);
    expect(await verifyPassword(PASSWORD, hash.replace('$16$', '$25$'))).toBe(false);
    expect(await verifyPassword(PASSWORD, `${hash.slice(0, -4)}AAA=`)).toBe(false);
  });

  it('must be at least 12 characters', async () => {
    await expect(hashPassword('short')).rejects.toThrow(InvalidInput);
  });
});

describe('users', () => {
  it('have plain lowercase names, one of three roles, and are unique', async () => {
    await expect(createUser(db, { name: 'Ada', role: 'admin', password: PASSWORD }, 'test')).rejects.toThrow(InvalidInput);
    await expect(createUser(db, { name: 'x y', role: 'admin', password: PASSWORD }, 'test')).rejects.toThrow(InvalidInput);
    await expect(createUser(db, { name: 'sync', role: 'admin', password: PASSWORD }, 'test')).rejects.toThrow(InvalidInput);
    await expect(createUser(db, { name: 'newbie', role: 'root', password: PASSWORD }, 'test')).rejects.toThrow(InvalidInput);
    await expect(createUser(db, { name: 'ada', role: 'viewer', password: PASSWORD }, 'test')).rejects.toThrow(Conflict);
    expect(findUserByName(db, 'ada')?.passwordHash).toMatch(/^scrypt\$/);
    expect(listAudit(db, { action: 'user' }).map((entry) => entry.detail?.['user'])).toEqual(expect.arrayContaining(['ada', 'rita', 'vic']));
  });
});

describe('sessions', () => {
  it('store only a hash of the id and resolve to the user with a per-session CSRF token', () => {
    const one = createSession(db, reviewer.id, CLIENT);
    const two = createSession(db, reviewer.id, CLIENT);
    expect(one.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = db.prepare('SELECT id_hash FROM sessions').all() as Array<{ id_hash: string }>;
    expect(stored.some((row) => row.id_hash === one.id)).toBe(false);
    const resolved = resolveSession(db, one.id);
    expect(resolved?.user.name).toBe('rita');
    expect(resolved?.csrfToken).toBe(csrfTokenFor(one.id));
    expect(csrfTokenFor(one.id)).not.toBe(csrfTokenFor(two.id));
    expect(resolveSession(db, 'x'.repeat(43))).toBeNull();
    deleteSession(db, one.id);
    expect(resolveSession(db, one.id)).toBeNull();
  });

  it('end after the idle timeout and after the absolute lifetime', () => {
    const start = Date.now();
    const idle = createSession(db, reviewer.id, CLIENT, start);
    expect(resolveSession(db, idle.id, start + SESSION_IDLE_MS)).toBeNull();

    const busy = createSession(db, reviewer.id, CLIENT, start);
    // Active use keeps it alive past the idle limit, but not past the absolute one.
    for (let at = start; at < start + SESSION_ABSOLUTE_MS; at += SESSION_IDLE_MS / 2) expect(resolveSession(db, busy.id, at)).not.toBeNull();
    expect(resolveSession(db, busy.id, start + SESSION_ABSOLUTE_MS)).toBeNull();
  });

  it('end when the user is disabled, together with their tokens', async () => {
    const user = await addTestUser(db, { name: 'leaver', role: 'reviewer', password: PASSWORD }, 'ada');
    const session = createSession(db, user.id, CLIENT);
    const { token } = createToken(db, user, { name: 'ci', scopes: ['read'] });
    disableUser(db, 'leaver', 'ada');
    expect(resolveSession(db, session.id)).toBeNull();
    expect(resolveToken(db, token)).toBeNull();
    expect((await signIn(db, new LoginThrottle(db), { name: 'leaver', password: PASSWORD, ...CLIENT })).ok).toBe(false);
  });
});

describe('API tokens', () => {
  it('are shown once, stored hashed, and resolve to their owner and scopes', () => {
    const { token, record } = createToken(db, reviewer, { name: 'ci-bot', scopes: ['read', 'review'] });
    expect(token).toMatch(/^aurgate_[A-Za-z0-9_-]{43}$/);
    const stored = db.prepare('SELECT token_hash FROM api_tokens WHERE id = ?').get(record.id) as { token_hash: string };
    expect(stored.token_hash).not.toContain(token.slice(8));
    const resolved = resolveToken(db, token);
    expect(resolved?.user.name).toBe('rita');
    expect(resolved?.token.scopes).toEqual(['read', 'review']);
    expect(resolveToken(db, `${token.slice(0, -1)}x`)).toBeNull();
    expect(resolveToken(db, 'Bearer nonsense')).toBeNull();
  });

  it('never carry more than the owner role allows', () => {
    expect(scopesForRole('viewer')).toEqual(['read']);
    expect(() => createToken(db, viewer, { name: 'sneaky', scopes: ['review'] })).toThrow(Forbidden);
    expect(() => createToken(db, reviewer, { name: 'sneaky', scopes: ['admin'] })).toThrow(Forbidden);
    expect(() => parseScopes(['read', 'root'])).toThrow(InvalidInput);
    expect(() => parseScopes([])).toThrow(InvalidInput);
  });

  it('limit what a request may do to both the role and the scopes', () => {
    const { token } = createToken(db, admin, { name: 'reader', scopes: ['read'] });
    const resolved = resolveToken(db, token);
    if (!resolved) throw new Error('token did not resolve');
    const viaToken: Principal = { user: resolved.user, via: 'token', scopes: resolved.token.scopes, csrfToken: null };
    const viaSession: Principal = { user: admin, via: 'session', scopes: null, csrfToken: 'x' };
    const viewerSession: Principal = { user: viewer, via: 'session', scopes: null, csrfToken: 'x' };
    expect([can(viaToken, 'read'), can(viaToken, 'review'), can(viaToken, 'admin')]).toEqual([true, false, false]);
    expect([can(viaSession, 'read'), can(viaSession, 'review'), can(viaSession, 'admin')]).toEqual([true, true, true]);
    expect([can(viewerSession, 'read'), can(viewerSession, 'review')]).toEqual([true, false]);
  });

  it('stop working when expired or revoked; only the owner or an admin revokes', () => {
    const now = Date.now();
    const expiring = createToken(db, reviewer, { name: 'short', scopes: ['read'], expiresInDays: 1 }, now);
    expect(resolveToken(db, expiring.token, now + 86_400_000 - 1)).not.toBeNull();
    expect(resolveToken(db, expiring.token, now + 86_400_000)).toBeNull();

    const revocable = createToken(db, reviewer, { name: 'revocable', scopes: ['read'] });
    expect(() => revokeToken(db, revocable.record.id, viewer)).toThrow(Forbidden);
    revokeToken(db, revocable.record.id, admin);
    expect(resolveToken(db, revocable.token)).toBeNull();
    expect(listAudit(db, { action: 'token.revoked' })[0]?.actor).toBe('ada');
  });
});

describe('sign-in throttling', () => {
  it('locks a user name and address out after five failures, for twice as long each time', () => {
    const throttle = new LoginThrottle(db);
    const t0 = 1_000_000_000_000;
    const attempt = throttle.attempt('someone', '198.51.100.7', null, t0);
    for (let failure = 1; failure <= 4; failure += 1) expect(throttle.fail(attempt, t0).locked).toBe(false);
    expect(throttle.fail(attempt, t0)).toEqual({ locked: true, retryAfterMs: 30_000, rule: 'user-address' });
    expect(throttle.check(attempt, t0 + 29_000).locked).toBe(true);
    expect(throttle.check(attempt, t0 + 30_000).locked).toBe(false);
    expect(throttle.fail(attempt, t0 + 30_000)).toEqual({ locked: true, retryAfterMs: 60_000, rule: 'user-address' });
    expect(throttle.fail(attempt, t0 + 90_000)).toEqual({ locked: true, retryAfterMs: 120_000, rule: 'user-address' });
    // Another address is not locked out.
    expect(throttle.check(throttle.attempt('someone', '203.0.113.9', null, t0), t0).locked).toBe(false);
  });

  it('keeps its counts in the database, so a second process on the same file sees them', () => {
    const other = openDatabase(join(dir, 'aurgate.db'));
    try {
      const here = new LoginThrottle(db);
      const there = new LoginThrottle(other);
      const t0 = 1_000_000_000_000;
      const attempt = here.attempt('shared', '198.51.100.70', null, t0);
      for (let failure = 1; failure <= 4; failure += 1) here.fail(attempt, t0);
      expect(there.check(attempt, t0).locked).toBe(false);
      expect(there.fail(attempt, t0)).toMatchObject({ locked: true, rule: 'user-address' });
      expect(here.check(attempt, t0 + 1000)).toMatchObject({ locked: true, retryAfterMs: 29_000 });
    } finally {
      other.close();
    }
  });

  it('refuses even the right password while locked', async () => {
    const throttle = new LoginThrottle(db);
    const client = { ip: '198.51.100.99', userAgent: 'vitest' };
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect(await signIn(db, throttle, { name: 'vic', password: 'wrong password!!', ...client })).toMatchObject({
        ok: false,
        reason: attempt < 4 ? 'invalid' : 'locked',
      });
    }
    const locked = await signIn(db, throttle, { name: 'vic', password: PASSWORD, ...client });
    expect(locked).toMatchObject({ ok: false, reason: 'locked' });
    const elsewhere = await signIn(db, throttle, { name: 'vic', password: PASSWORD, ip: '198.51.100.100', userAgent: 'vitest' });
    expect(elsewhere.ok).toBe(true);
  });

  it('answers an unknown user exactly like a wrong password', async () => {
    const throttle = new LoginThrottle(db);
    const unknown = await signIn(db, throttle, { name: 'nobody', password: PASSWORD, ip: '192.0.2.50', userAgent: 'vitest' });
    const wrong = await signIn(db, throttle, { name: 'ada', password: 'not the password', ip: '192.0.2.50', userAgent: 'vitest' });
    expect(unknown).toEqual({ ok: false, reason: 'invalid' });
    expect(wrong).toEqual(unknown);
  });
});

/** The CLI in this process, through the same entry as bin/aurgate.js, on the same database, with `input` on its stdin. */
function cli(args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliInProcess(args, { AURGATE_DATA_DIR: dir, AURGATE_LOG_LEVEL: 'warn' }, input);
}

describe('aurgate user (CLI)', () => {
  it('adds a user with the password piped on stdin, lists and disables users', async () => {
    const added = await cli(['user', 'add', 'alice', '--role', 'reviewer', '--by', 'cli:test'], `${PASSWORD}\nignored second line\n`);
    expect(added).toMatchObject({ code: 0, stdout: 'added user alice (reviewer)\n' });
    expect((await signIn(db, new LoginThrottle(db), { name: 'alice', password: PASSWORD, ...CLIENT })).ok).toBe(true);

    expect(await cli(['user', 'add', 'alice', '--role', 'viewer'], `${PASSWORD}\n`)).toMatchObject({
      code: 4,
      stderr: expect.stringContaining('already exists'),
    });
    expect(await cli(['user', 'add', 'bob', '--role', 'viewer'], 'short\n')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('at least 12 characters'),
    });

    const disabled = await cli(['user', 'disable', 'alice', '--by', 'cli:test']);
    expect(disabled).toMatchObject({ code: 0, stdout: 'disabled user alice\n' });
    const listed = await cli(['user', 'list', '--json']);
    const users = JSON.parse(listed.stdout) as Array<{ name: string; role: string; disabledAt: number | null; createdBy: string }>;
    expect(users.find((user) => user.name === 'alice')).toMatchObject({ role: 'reviewer', createdBy: 'cli:test', disabledAt: expect.any(Number) });
    expect(listed.stdout).not.toContain('scrypt');
  });

  it('re-enables a user, changes roles, and resets a password, which signs the user out everywhere', async () => {
    await cli(['user', 'add', 'carol', '--role', 'viewer'], `${PASSWORD}\n`);
    const before = await signIn(db, new LoginThrottle(db), { name: 'carol', password: PASSWORD, ...CLIENT });
    expect(before.ok).toBe(true);
    expect(await cli(['user', 'role', 'carol', '--role', 'reviewer'])).toMatchObject({ code: 0, stdout: 'carol is now reviewer\n' });
    expect(await cli(['user', 'role', 'carol', '--role', 'root'])).toMatchObject({ code: 2 });
    const fresh = 'another long password!';
    expect(await cli(['user', 'password', 'carol'], `${fresh}\n`)).toMatchObject({ code: 0, stdout: 'password of carol changed\n' });
    if (before.ok) expect(resolveSession(db, before.session.id)).toBeNull();
    expect((await signIn(db, new LoginThrottle(db), { name: 'carol', password: PASSWORD, ...CLIENT })).ok).toBe(false);
    expect((await signIn(db, new LoginThrottle(db), { name: 'carol', password: fresh, ...CLIENT })).ok).toBe(true);
    await cli(['user', 'disable', 'carol']);
    expect(await cli(['user', 'enable', 'carol'])).toMatchObject({ code: 0, stdout: 'enabled user carol\n' });
    expect(findUserByName(db, 'carol')).toMatchObject({ role: 'reviewer', disabledAt: null });
    expect(await cli(['user', 'enable', 'nobody-here'])).toMatchObject({ code: 3 });
  });
});
