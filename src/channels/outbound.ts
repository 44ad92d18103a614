/**
 * Connecting only where the outbound policy allows. Adapters of providers a
 * company configured get a {@link ResolveHost}: it resolves the host, checks
 * every address and returns the one to connect to, and the adapter then
 * connects to exactly that address (so a DNS answer that changes between the
 * check and the connection cannot redirect it). Adapters of the operator's
 * built-in defaults get none and connect as configured.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { RejectedError, type ChannelError, UnavailableError } from './errors';

/** A checked address to connect to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves and checks a host; rejects with {@link AddressNotAllowedError} when the policy forbids it. */
export type ResolveHost = (host: string) => Promise<ResolvedAddress>;

/** The system-error-like code carried by {@link AddressNotAllowedError}, so wrappers (node-fetch, grammY) keep it. */
export const ADDRESS_NOT_ALLOWED = 'EADDRNOTALLOWED';

/**
 * A provider address the outbound policy forbids. A settings problem, not a
 * passing outage: permanent, and a `RejectedError` to the failure taxonomy.
 */
export class AddressNotAllowedError extends RejectedError {
  readonly code = ADDRESS_NOT_ALLOWED;
  constructor(host: string, why: string) {
    super(`address not allowed: ${host} (${why})`, 'address not allowed');
    this.name = 'RejectedError';
  }
}

/** A `lookup` for net/tls/http that answers with one address checked before. */
export function pinnedLookup({ address, family }: ResolvedAddress): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction;
}

/** A `lookup` that resolves through the policy at each connection. */
export function guardedLookup(resolve: ResolveHost): LookupFunction {
  return ((host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    resolve(host).then(
      ({ address, family }) => (options?.all ? callback(null, [{ address, family }]) : callback(null, address, family)),
      (err: unknown) => callback(err),
    );
  }) as LookupFunction;
}

/** The host of a URL without IPv6 brackets. */
export function urlHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * A `fetch` over node:http that connects only to an address `resolve`
 * approved, follows no redirects (`redirect: 'error'` turns one into a
 * TypeError, as fetch does) and accepts string bodies only, which is all the
 * adapters send.
 */
export function createGuardedFetch(resolve: ResolveHost): typeof fetch {
  const guarded = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`fetch failed: unsupported scheme ${url.protocol}`);
    let target: ResolvedAddress;
    try {
      target = await resolve(urlHost(url));
    } catch (err) {
      throw new TypeError('fetch failed', { cause: err });
    }
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    const headers = new Headers(init.headers);
    const body = typeof init.body === 'string' ? init.body : undefined;
    if (body !== undefined) headers.set('content-length', String(Buffer.byteLength(body)));
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<Response>((ok, fail) => {
      const req = client.request(
        url,
        {
          method: init.method ?? 'GET',
          headers: Object.fromEntries(headers.entries()),
          lookup: pinnedLookup(target),
          ...(signal ? { signal } : {}),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 300 && status < 400 && res.headers.location && init.redirect === 'error') {
            res.resume();
            fail(new TypeError('fetch failed', { cause: new Error('redirect refused') }));
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (err) => fail(new TypeError('fetch failed', { cause: err })));
          res.on('end', () => {
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
            }
            const nullBody = status === 204 || status === 304 || status < 200;
            ok(new Response(nullBody ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
          });
        },
      );
      req.on('error', (err: Error) => fail(err.name === 'AbortError' && signal?.reason instanceof Error ? signal.reason : new TypeError('fetch failed', { cause: err })));
      req.end(body);
    });
  };
  return guarded as typeof fetch;
}

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  error?: unknown;
}

/** Walks `cause` (and grammY's `error`) chains: the first code, and whether anything said it timed out. */
function inspect(err: unknown): { code: string; timedOut: boolean } {
  let code: string | undefined;
  let timedOut = false;
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
    const e = current as ErrorLike;
    if (code === undefined && typeof e.code === 'string') code = e.code;
    if (e.name === 'TimeoutError' || /timed? ?out/i.test(e.message ?? '')) timedOut = true;
    current = e.cause ?? e.error;
  }
  return { code: code ?? '', timedOut };
}

/**
 * A connection failure in words that tell an administrator what to fix and
 * nothing more: no address, no port, no text the far end sent.
 */
export function describeConnectionFailure(err: unknown): 'address not allowed' | 'connection refused' | 'timed out' | 'TLS failed' | 'host not found' | 'connection failed' {
  const { code, timedOut } = inspect(err);
  if (code === ADDRESS_NOT_ALLOWED) return 'address not allowed';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (timedOut || code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || code === 'ECONNABORTED' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'timed out';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (/^(ERR_TLS|ERR_SSL|EPROTO|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/.test(code) || code === 'ETLS') return 'TLS failed';
  return 'connection failed';
}

/** A connection failure as a typed channel error: a forbidden address is permanent, the rest transient. */
export function connectionError(what: string, err: unknown): ChannelError {
  const reason = describeConnectionFailure(err);
  if (reason === 'address not allowed') return new RejectedError(`${what}: address not allowed`, reason);
  return new UnavailableError(`${what}: ${reason}`, reason);
}
