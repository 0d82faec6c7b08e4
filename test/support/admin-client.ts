/**
 * A small HTTP client for the web admin in tests: keeps cookies like a browser, signs in through the
 * real form, and reads the CSRF token from the pages it loads. Requests carry a same-origin Origin
 * header unless a test asks for another one.
 */
export interface PostOptions {
  /** Send the page's CSRF token (default true). */
  csrf?: boolean;
  /** Origin header; null sends none (default: the server's own origin). */
  origin?: string | null;
}

export class AdminClient {
  /** Cookie name → value, as a browser would keep them (tests may copy one to another client). */
  readonly cookies = new Map<string, string>();
  csrfToken = '';

  /** `send` replaces global fetch, e.g. with test/support/fetch-from.ts to be a client at another address. */
  constructor(
    readonly baseUrl: string,
    private readonly send: typeof fetch = fetch,
  ) {}

  get origin(): string {
    return new URL(this.baseUrl).origin;
  }

  async get(path: string): Promise<Response> {
    const response = await this.send(`${this.baseUrl}${path}`, { headers: this.headers(), redirect: 'manual' });
    this.keepCookies(response);
    return response;
  }

  /** GET and return the body, remembering the page's CSRF token. */
  async page(path: string): Promise<{ status: number; html: string; response: Response }> {
    const response = await this.get(path);
    const html = await response.text();
    const token = /name="_csrf" value="([^"]*)"/.exec(html)?.[1];
    if (token) this.csrfToken = token;
    return { status: response.status, html, response };
  }

  async post(path: string, form: Record<string, string | string[]>, options: PostOptions = {}): Promise<Response> {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(form)) for (const item of Array.isArray(value) ? value : [value]) body.append(key, item);
    if (options.csrf !== false && this.csrfToken) body.append('_csrf', this.csrfToken);
    const origin = options.origin === undefined ? this.origin : options.origin;
    const headers = { ...this.headers(), 'Content-Type': 'application/x-www-form-urlencoded', ...(origin ? { Origin: origin } : {}) };
    const response = await this.send(`${this.baseUrl}${path}`, { method: 'POST', headers, body, redirect: 'manual' });
    this.keepCookies(response);
    return response;
  }

  /** Signs in through the login form; returns the POST's response (303 on success). */
  async login(name: string, password: string): Promise<Response> {
    const { html } = await this.page('/admin/login');
    const loginToken = /name="_login" value="([^"]*)"/.exec(html)?.[1] ?? '';
    const response = await this.post('/admin/login', { _login: loginToken, next: '/admin', name, password }, { csrf: false });
    if (response.status === 303) await this.page('/admin');
    return response;
  }

  /** A JSON API call with the session cookie and the X-CSRF-Token header. */
  async api(method: string, path: string, body?: unknown, options: { csrf?: boolean } = {}): Promise<Response> {
    const headers: Record<string, string> = {
      ...this.headers(),
      Origin: this.origin,
      ...(options.csrf === false ? {} : { 'X-CSRF-Token': this.csrfToken }),
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await this.send(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    });
    this.keepCookies(response);
    return response;
  }

  private headers(): Record<string, string> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    return cookie ? { Cookie: cookie } : {};
  }

  private keepCookies(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      if (!value || /max-age=0/i.test(header)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** A bearer-token call to the JSON API (no cookies, no CSRF token: tokens are not ambient credentials). */
export async function tokenApi(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}
