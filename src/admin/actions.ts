import type { Aurgate } from '../compose.js';
import { requestBuild } from '../app/build.js';
import type { BuildRecord } from '../build/records.js';
import { Conflict, Forbidden } from '../errors.js';
import type { ApproveResult } from '../quarantine/decisions.js';
import type { AllowlistEntry } from '../quarantine/packages.js';
import type { Revision } from '../quarantine/revisions.js';
import { setRequiredApprovals, type DecisionPolicy } from '../quarantine/policy.js';
import { actorOf, assertCan, type Principal } from './auth/principal.js';
import { createToken, revokeToken, type ApiToken, type TokenRequest } from '../accounts/tokens.js';
import { normalizeUserName, type User } from '../accounts/users.js';
import { createUser, disableUser } from '../app/accounts.js';
import type { StartOutcome, SyncRunner } from '../scheduler/sync-runner.js';
import { decideTakedown, type TakedownChoice } from '../app/signals.js';
import { importIocList, readIocSource } from '../app/ioc.js';
import { removeIocEntries } from '../quarantine/ioc-entries.js';
import { InvalidInput } from '../errors.js';
import { addPolicyRule, parseCooldownHours, removePolicyRule, type PolicyKind, type PolicyRule } from '../quarantine/auto-policy.js';

export interface DecisionRequest {
  pkgbase: string;
  /** The exact commit the reviewer looked at (the page carries it in a hidden field). */
  commit: string;
  /** Comment for an approval; reason for a rejection or revocation. */
  note?: string | undefined;
}

export interface ApproveRequest extends DecisionRequest {
  /** Revoked commits of the history the approver re-admits (admins only), each named explicitly. */
  readmit?: readonly string[] | undefined;
}

/**
 * The state-changing admin use cases, shared by the pages and the JSON API. Each checks the caller's
 * permission first and attributes the change to the signed-in user; decisions go through the Aurgate
 * use cases, which enforce the exact-commit rule and write the audit rows.
 */
export class AdminActions {
  constructor(
    private readonly app: Aurgate,
    private readonly syncRunner: SyncRunner,
  ) {}

  approve(principal: Principal, request: ApproveRequest): Promise<ApproveResult> {
    assertCan(principal, 'review', 'approving');
    const readmit = request.readmit ?? [];
    if (readmit.length > 0) assertCan(principal, 'admin', 're-admitting revoked commits');
    return this.app.approve({
      pkgbase: request.pkgbase,
      commit: request.commit,
      by: actorOf(principal),
      note: request.note?.trim() || undefined,
      readmit,
    });
  }

  reject(principal: Principal, request: DecisionRequest): Revision {
    assertCan(principal, 'review', 'rejecting');
    return this.app.reject({ pkgbase: request.pkgbase, commit: request.commit, by: actorOf(principal), note: request.note });
  }

  /** Queues the build of an approved revision (the served head unless a commit is named); the server's build queue runs it. */
  requestBuild(principal: Principal, request: { pkgbase: string; commit?: string | undefined }): BuildRecord {
    assertCan(principal, 'review', 'requesting a build');
    const build = requestBuild(this.app, {
      pkgbase: request.pkgbase,
      commit: request.commit,
      trigger: principal.via === 'session' ? 'admin' : 'api',
      requestedBy: principal.user.name,
    });
    this.app.builds.kick();
    return build;
  }

  /** Revokes the commit and every approved revision built on it (all are returned). */
  revoke(principal: Principal, request: DecisionRequest): Promise<Revision[]> {
    assertCan(principal, 'admin', 'revoking');
    return this.app.revoke({ pkgbase: request.pkgbase, commit: request.commit, by: actorOf(principal), note: request.note });
  }

  /** Keep serving or withdraw a package deleted upstream (admins; audited). */
  decideTakedown(principal: Principal, request: { pkgbase: string; choice: TakedownChoice; note: string }) {
    assertCan(principal, 'admin', 'deciding a takedown');
    return decideTakedown(this.app, { ...request, by: actorOf(principal) });
  }

  /** Admins add a cooldown rule or a freeze (audited as policy changes). */
  addPolicyRule(principal: Principal, request: { kind: PolicyKind; pattern: string; hours: string | null; note: string }): PolicyRule {
    assertCan(principal, 'admin', 'changing the automatic policies');
    const hours = request.kind === 'cooldown' ? parseCooldownHours(request.hours ?? '') : null;
    return addPolicyRule(this.app.db, { kind: request.kind, pattern: request.pattern, hours, note: request.note }, actorOf(principal));
  }

  removePolicyRule(principal: Principal, target: { kind: PolicyKind; pattern: string }): PolicyRule {
    assertCan(principal, 'admin', 'changing the automatic policies');
    return removePolicyRule(this.app.db, target, actorOf(principal));
  }

  /** Imports a pasted list or one fetched from a URL, then scans every recorded revision (admins; audited). */
  async importIoc(principal: Principal, request: { list: string; url: string; text: string }) {
    assertCan(principal, 'admin', 'importing IOC lists');
    if (!request.url && !request.text.trim()) throw new InvalidInput('paste a list or give its URL');
    if (request.url && !/^https?:\/\//i.test(request.url)) throw new InvalidInput('the URL must be http or https');
    const text = request.url ? await readIocSource(request.url) : request.text;
    return importIocList(this.app, { text, list: request.list, source: request.url || 'pasted in the web admin', by: actorOf(principal) });
  }

  removeIoc(principal: Principal, id: number): number {
    assertCan(principal, 'admin', 'changing IOC lists');
    return removeIocEntries(this.app.db, { id }, actorOf(principal));
  }

  /** Admins set the decision policy; every process applies it from the database. */
  setRequiredApprovals(principal: Principal, value: number): { before: number; after: DecisionPolicy } {
    assertCan(principal, 'admin', 'changing the decision policy');
    return setRequiredApprovals(this.app.db, value, actorOf(principal));
  }

  /** Adds names to the allowlist and, if asked, fetches them in the background right away. */
  async allow(principal: Principal, names: readonly string[], fetch: boolean): Promise<{ added: AllowlistEntry[]; sync: StartOutcome | null }> {
    assertCan(principal, 'admin', 'changing the allowlist');
    const added = await this.app.allow(names, principal.user.name, actorOf(principal).channel);
    const sync =
      fetch && added.length > 0 ? await this.syncRunner.start({ only: [...new Set(added.map((entry) => entry.pkgbase))], trigger: 'allow' }) : null;
    return { added, sync };
  }

  disallow(principal: Principal, names: readonly string[]): AllowlistEntry[] {
    assertCan(principal, 'admin', 'changing the allowlist');
    const removed = this.app.disallow(names, principal.user.name, actorOf(principal).channel);
    return removed;
  }

  /** Fetching only fills the quarantine, so reviewers may trigger it, not just admins. */
  syncNow(principal: Principal): Promise<StartOutcome> {
    assertCan(principal, 'review', 'starting a sync');
    return this.syncRunner.start({ trigger: 'admin' });
  }

  createUser(principal: Principal, input: { name: string; role: string; password: string }): Promise<User> {
    assertCan(principal, 'admin', 'adding users');
    return createUser(this.app.db, input, principal.user.name);
  }

  disableUser(principal: Principal, name: string): User {
    assertCan(principal, 'admin', 'disabling users');
    if (normalizeUserName(name) === principal.user.name) throw new Conflict('you cannot disable your own account (another admin can)');
    return disableUser(this.app.db, name, principal.user.name);
  }

  /** Tokens are minted from a signed-in browser session only, so a leaked token cannot mint more. */
  createToken(principal: Principal, request: TokenRequest): { token: string; record: ApiToken } {
    if (principal.via !== 'session') throw new Forbidden('API tokens are created from a signed-in session, not with another token');
    return createToken(this.app.db, principal.user, request);
  }

  revokeToken(principal: Principal, id: number): ApiToken {
    return revokeToken(this.app.db, id, principal.user);
  }
}
