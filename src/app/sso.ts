import { LRUCache } from 'lru-cache';
import * as oidc from 'openid-client';
import { serverSecret } from '../accounts/device-cookies.js';
import { safeEqual } from '../accounts/secrets.js';
import { claimValues, displayNameOf, emailOf, type RoleMap } from '../accounts/sso-claims.js';
import { openFlow, sealFlow, SSO_FLOW_MAX_AGE_MS } from '../accounts/sso-flow.js';
import type { SsoProfile } from '../accounts/sso-identities.js';
import type { Config } from '../config.js';
import type { Db } from '../db/open.js';
import { AurgateError, IdentityProviderError, SsoRejected } from '../errors.js';
import { signInWithSso, type SsoSignInResult } from './sso-sign-in.js';
import { readBodyWithin } from '../bounded-body.js';

/** Where the provider sends the browser back; registered with the provider as the redirect URI. */
export const SSO_CALLBACK_PATH = '/admin/sso/callback';
/** Every answer of the provider (discovery, JWKS, token, userinfo) is read up to this size, within this time. */
const MAX_PROVIDER_RESPONSE_BYTES = 1024 * 1024;
const PROVIDER_TIMEOUT_SECONDS = 15;
/** OpenID Connect Core: a subject is at most 255 ASCII characters. */
const MAX_SUBJECT_CHARS = 255;
/** Callbacks already used, so a copied flow cookie cannot be replayed; bounded, and useless after ten minutes anyway. */
const MAX_REMEMBERED_FLOWS = 10_000;

export interface SsoSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  rolesClaim: string;
  roleMap: RoleMap;
  providerName: string;
  redirectUri: string;
  /** http:// issuer (loopback, or AURGATE_OIDC_ALLOW_HTTP): config.ts has checked which. */
  insecure: boolean;
}

/** The single sign-on settings, or null when AURGATE_OIDC_ISSUER is not set (config.ts checked the rest). */
export function ssoSettingsOf(config: Config): SsoSettings | null {
  const { oidcIssuer, oidcClientId, oidcClientSecret, oidcRoleMap } = config;
  if (!oidcIssuer || !oidcClientId || !oidcClientSecret || !oidcRoleMap) return null;
  return {
    issuer: oidcIssuer,
    clientId: oidcClientId,
    clientSecret: oidcClientSecret,
    scopes: config.oidcScopes,
    rolesClaim: config.oidcRolesClaim,
    roleMap: oidcRoleMap,
    providerName: config.oidcProviderName ?? new URL(oidcIssuer).hostname,
    redirectUri: `${config.publicUrl}${SSO_CALLBACK_PATH}`,
    insecure: oidcIssuer.startsWith('http:'),
  };
}

/**
 * OpenID Connect sign-in, authorization code flow with PKCE, state and nonce, through openid-client
 * (which verifies the ID token: signature, issuer, audience, expiry, nonce). The provider's metadata
 * is discovered at the first sign-in, not at start-up: a provider that is down must not keep the
 * server (and the break-glass local sign-in) from starting. A failed discovery is retried next time.
 */
export class SsoSignIn {
  private discovered: Promise<oidc.Configuration> | undefined;
  private readonly usedStates = new LRUCache<string, true>({ max: MAX_REMEMBERED_FLOWS, ttl: SSO_FLOW_MAX_AGE_MS });

  constructor(
    readonly settings: SsoSettings,
    private readonly db: Db,
  ) {}

  /** The provider's authorization URL to send the browser to, and the sealed flow for its cookie. */
  async begin(next: string, now = Date.now()): Promise<{ location: string; flowCookie: string }> {
    const configuration = await this.configuration();
    const flow = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier(), next, issuedAt: now };
    const location = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes,
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { location: location.href, flowCookie: sealFlow(this.flowKey(), flow) };
  }

  /**
   * The provider's redirect back: checks it belongs to the flow in this browser's cookie, redeems the
   * code, reads the verified claims and signs the person in (or refuses: see signInWithSso).
   */
  async complete(
    query: URLSearchParams,
    flowCookie: string | undefined,
    client: { ip: string; userAgent: string },
    now = Date.now(),
  ): Promise<SsoSignInResult & { next: string }> {
    const flow = openFlow(this.flowKey(), flowCookie, now);
    if (!flow) throw new SsoRejected('the sign-in expired or was started in another browser: start it again');
    const state = query.get('state') ?? '';
    if (!safeEqual(state, flow.state)) throw new SsoRejected('the state sent back does not belong to the sign-in started in this browser');
    if (this.usedStates.has(flow.state)) throw new SsoRejected('this sign-in was already completed: start it again');
    this.usedStates.set(flow.state, true);
    const error = query.get('error');
    if (error !== null)
      throw new SsoRejected(`the identity provider refused the sign-in: ${clip(error)} ${clip(query.get('error_description') ?? '')}`.trim());
    const configuration = await this.configuration();
    // The redirect URI as registered, whatever host and scheme this request came in with behind a proxy.
    const callback = new URL(this.settings.redirectUri);
    callback.search = query.toString();
    const tokens = await providerCall(() =>
      oidc.authorizationCodeGrant(configuration, callback, {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      }),
    );
    const idClaims = tokens.claims();
    if (!idClaims) throw new SsoRejected('the identity provider sent no ID token');
    const profile = await this.claimsOf(configuration, idClaims, tokens.access_token);
    const result = signInWithSso(this.db, this.settings.roleMap, profile, client, now);
    return { ...result, next: flow.next };
  }

  /**
   * The claims to read: the ID token's, and when it lacks the role claim (providers often keep the ID
   * token small) the userinfo answer's too. The role values come from whichever has them; for the
   * rest the ID token, the signed statement, wins.
   */
  private async claimsOf(configuration: oidc.Configuration, idClaims: oidc.IDToken, accessToken: string): Promise<SsoProfile> {
    const { rolesClaim } = this.settings;
    let values = claimValues(idClaims, rolesClaim);
    let claims: Record<string, unknown> = idClaims;
    if (values.length === 0) {
      const userInfo = await providerCall(() => oidc.fetchUserInfo(configuration, accessToken, idClaims.sub));
      values = claimValues(userInfo, rolesClaim);
      claims = { ...userInfo, ...idClaims };
    }
    if (idClaims.sub.length === 0 || idClaims.sub.length > MAX_SUBJECT_CHARS) throw new SsoRejected('the ID token has no usable subject');
    return {
      issuer: idClaims.iss,
      subject: idClaims.sub,
      displayName: displayNameOf(claims, idClaims.sub),
      email: emailOf(claims),
      claimValues: values,
    };
  }

  private flowKey(): Buffer {
    return serverSecret(this.db, 'sso-flow');
  }

  private configuration(): Promise<oidc.Configuration> {
    this.discovered ??= this.discover().catch((error: unknown) => {
      this.discovered = undefined;
      throw error;
    });
    return this.discovered;
  }

  private async discover(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret, insecure } = this.settings;
    return providerCall(() =>
      oidc.discovery(new URL(issuer), clientId, { client_secret: clientSecret }, oidc.ClientSecretBasic(clientSecret), {
        [oidc.customFetch]: boundedFetch,
        timeout: PROVIDER_TIMEOUT_SECONDS,
        execute: insecure ? [oidc.allowInsecureRequests] : [],
      }),
    );
  }
}

/**
 * Errors of a call to the provider, typed: the provider's refusal or a token that fails a check is
 * a rejected sign-in (401); a provider that cannot be reached or answers nonsense is a bad gateway.
 */
async function providerCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AurgateError) throw error;
    if (error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError) {
      throw new SsoRejected(`the identity provider refused the sign-in: ${clip(error.error)} ${clip(error.error_description ?? '')}`.trim(), {
        cause: error,
      });
    }
    if (error instanceof oidc.ClientError && !isTransport(error)) {
      // The cause names the check ('unexpected ID Token "nonce" claim value'); the wrapper only its kind.
      const detail = error.cause instanceof Error ? error.cause.message : error.message;
      throw new SsoRejected(`the identity provider's answer fails a check: ${clip(detail)}`, { cause: error });
    }
    throw new IdentityProviderError(`the identity provider could not be used: ${clip(error instanceof Error ? error.message : String(error))}`, {
      cause: error,
    });
  }
}

/** openid-client wraps network failures and unusable answers (wrong content type, bad JSON, not 200) as ClientError too. */
function isTransport(error: oidc.ClientError): boolean {
  const cause = error.cause;
  return (
    error.code === 'OAUTH_RESPONSE_IS_NOT_JSON' ||
    error.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' ||
    error.code === 'OAUTH_HTTP_REQUEST_FORBIDDEN' ||
    error.code === 'OAUTH_TIMEOUT' ||
    (cause instanceof Error && (cause.name === 'AbortError' || cause.name === 'TimeoutError' || cause instanceof TypeError))
  );
}

/** fetch, with every response body read to at most MAX_PROVIDER_RESPONSE_BYTES (a hostile or broken provider cannot fill memory). */
const boundedFetch: oidc.CustomFetch = async (url, options) => {
  const response = await fetch(url, options);
  const declared = Number(response.headers.get('content-length') ?? '0');
  const tooLarge = () =>
    new IdentityProviderError(`the identity provider's answer from ${new URL(url).origin} is larger than ${MAX_PROVIDER_RESPONSE_BYTES} bytes`);
  if (declared > MAX_PROVIDER_RESPONSE_BYTES) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const body = await readBodyWithin(response.body, MAX_PROVIDER_RESPONSE_BYTES, tooLarge);
  // A Response for 204 or 304 must have no body at all.
  return new Response(body.length === 0 ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
};

/** Text from the provider, for a message: one line, bounded. */
function clip(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}]/gu, ' ').slice(0, 200);
}
