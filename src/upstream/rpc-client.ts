import { readBodyWithin } from '../bounded-body.js';
import { UpstreamError, describeError } from '../errors.js';
import { DEFAULT_RETRY, PermanentFailure, type RetryPolicy, withRetry } from './retry.js';
import { rpcEnvelopeSchema, upstreamPackageSchema, type UpstreamPackage } from './rpc-schema.js';

export interface RpcClientOptions {
  baseUrl: string;
  timeoutMs: number;
  retry?: RetryPolicy;
  userAgent?: string;
  /** Cap of one answer's body; more is never read (default MAX_RPC_ANSWER_BYTES). */
  maxBytes?: number;
}

/** Upstream URLs stay well under common proxy limits (aurweb itself sets no cap on args). */
const MAX_URL_LENGTH = 4000;
const MAX_NAMES_PER_REQUEST = 150;
/**
 * An info answer for 150 names is a few hundred KiB on the AUR; 16 MiB leaves room for packages with
 * thousands of dependencies and still stops an answer that never ends before it costs memory.
 */
export const MAX_RPC_ANSWER_BYTES = 16 * 1024 * 1024;

/** The upstream AUR's RPC v5, as aurgate uses it: batched `info` lookups, validated field by field. */
export class RpcClient {
  private readonly retry: RetryPolicy;

  constructor(private readonly options: RpcClientOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  /**
   * Looks up names in as few requests as the URL limit allows. Unknown names are simply absent from
   * the result, as on the AUR. A failed batch throws an UpstreamError naming its packages.
   */
  async info(names: readonly string[]): Promise<Map<string, UpstreamPackage>> {
    const found = new Map<string, UpstreamPackage>();
    for (const batch of this.batches([...new Set(names)])) {
      for (const pkg of await this.infoBatch(batch)) found.set(pkg.Name, pkg);
    }
    return found;
  }

  batches(names: readonly string[]): string[][] {
    const batches: string[][] = [];
    let current: string[] = [];
    let length = this.infoUrl([]).length;
    for (const name of names) {
      const added = `&arg[]=${encodeURIComponent(name)}`.length;
      if (current.length > 0 && (length + added > MAX_URL_LENGTH || current.length >= MAX_NAMES_PER_REQUEST)) {
        batches.push(current);
        current = [];
        length = this.infoUrl([]).length;
      }
      current.push(name);
      length += added;
    }
    if (current.length > 0) batches.push(current);
    return batches;
  }

  private infoUrl(names: readonly string[]): string {
    const args = names.map((name) => `&arg[]=${encodeURIComponent(name)}`).join('');
    return `${this.options.baseUrl}/rpc/?v=5&type=info${args}`;
  }

  private async infoBatch(names: readonly string[]): Promise<UpstreamPackage[]> {
    const label = names.length === 1 ? names[0] : `${names.slice(0, 3).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''}`;
    try {
      return await withRetry(this.retry, () => this.requestInfo(names));
    } catch (error) {
      throw new UpstreamError(`upstream RPC info for ${label} failed: ${describeError(error)}`, {
        pkgname: names.length === 1 ? names[0] : undefined,
        cause: error,
      });
    }
  }

  /** One request, bounded: the deadline covers the whole answer (the body too), the cap its size. */
  private async requestInfo(names: readonly string[]): Promise<UpstreamPackage[]> {
    const timeoutMs = this.options.timeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      const response = await fetch(this.infoUrl(names), {
        headers: { 'User-Agent': this.options.userAgent ?? 'aurgate', Accept: 'application/json' },
        signal: deadline,
        redirect: 'error',
      });
      if (response.status >= 500 || response.status === 429) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status}`);
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new PermanentFailure(`HTTP ${response.status}`);
      }
      const maxBytes = this.options.maxBytes ?? MAX_RPC_ANSWER_BYTES;
      // Too large once is too large again: not worth a retry.
      const body = await readBodyWithin(response.body, maxBytes, () => new PermanentFailure(`the answer is larger than ${maxBytes} bytes`));
      return parseInfoBody(body.toString('utf8'), response.headers.get('content-type'));
    } catch (error) {
      if (deadline.aborted && !(error instanceof PermanentFailure)) throw new Error(`no complete answer within ${timeoutMs} ms`, { cause: error });
      throw error;
    }
  }
}

/** Turns an RPC body into packages, or throws a message that says what was wrong with it. */
export function parseInfoBody(body: string, contentType: string | null): UpstreamPackage[] {
  if (contentType && !contentType.includes('json')) {
    throw new Error(`expected JSON, got ${contentType.split(';')[0]} (${JSON.stringify(body.slice(0, 60))}…)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error(`malformed JSON (${body.length} bytes, starting ${JSON.stringify(body.slice(0, 40))})`);
  }
  const envelope = rpcEnvelopeSchema.safeParse(json);
  if (!envelope.success) throw new Error(`not an RPC envelope: ${envelope.error.issues[0]?.message ?? 'unknown shape'}`);
  if (envelope.data.type === 'error' || envelope.data.error) {
    throw new PermanentFailure(`the AUR answered an error: ${envelope.data.error ?? 'no message'}`);
  }
  return envelope.data.results.map((result, index) => {
    const parsed = upstreamPackageSchema.safeParse(result);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const name = typeof result === 'object' && result !== null && 'Name' in result ? String(result.Name) : `result ${index}`;
    throw new Error(`${name}: field ${issue?.path.join('.') ?? '?'} ${issue?.message ?? 'is invalid'}`);
  });
}
