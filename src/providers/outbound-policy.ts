/**
 * Where a company's provider settings may make the worker connect. Loopback,
 * private, link-local (the cloud metadata address among them), unspecified,
 * multicast and reserved addresses are refused, also in IPv4-mapped IPv6
 * form, unless the operator's allow-list (`OUTBOUND_ALLOW`) names the host or
 * a range holding the address. The operator's own defaults (SMTP_URL,
 * SMS_URL, TELEGRAM_API_ROOT) are trusted and never pass through here.
 */
import dns from 'node:dns';
import { AddressNotAllowedError, type ResolvedAddress, type ResolveHost } from '../channels/outbound';
import { classifyAddress, inCidr, isHostname, isLocalhostName, parseAllowEntry, parseIp, type AllowEntry } from '../domain/addresses';

function normalizeName(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

type Lookup = (host: string) => Promise<ResolvedAddress[]>;

const systemLookup: Lookup = async (host) => {
  const found = await dns.promises.lookup(host, { all: true, verbatim: true });
  return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

/**
 * A host as the connection will see it: lower case, without IPv6 brackets,
 * with the legacy IPv4 spellings (`127.1`, `2130706433`, `0x7f.0.0.1`) turned
 * into the dotted quad they mean. Null when it is no host name or IP literal.
 */
export function canonicalHost(raw: string): string | null {
  const host = raw.trim();
  const ip = parseIp(host);
  if (ip) return host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (!isHostname(host)) return null;
  try {
    return normalizeName(new URL(`http://${host}/`).hostname);
  } catch {
    return null;
  }
}

export interface OutboundPolicyOptions {
  /** Allow-list entries as `OUTBOUND_ALLOW` holds them (validated by `loadConfig`). */
  allow?: readonly string[] | undefined;
  /** Replaces DNS, for tests. */
  lookup?: Lookup;
}

export interface OutboundPolicy {
  /** Connection time: resolves, checks every address, returns the one to connect to. */
  resolve: ResolveHost;
  /**
   * Save time: why a host must not be stored, or null. IP literals and
   * `localhost` names are judged as written; other names are resolved, and a
   * name that does not resolve (yet) passes, as the connection checks again.
   */
  hostProblem(host: string): Promise<string | null>;
  /** Save time: a URL's scheme, credentials and host; null when it may be stored. */
  urlProblem(url: string, schemes: readonly string[]): Promise<string | null>;
}

const NOT_ALLOWED = 'address not allowed';

export function createOutboundPolicy(opts: OutboundPolicyOptions = {}): OutboundPolicy {
  const entries = (opts.allow ?? []).map(parseAllowEntry).filter((e): e is AllowEntry => e !== null);
  const names = new Set(entries.flatMap((e) => (e.kind === 'name' ? [e.name] : [])));
  const ranges = entries.flatMap((e) => (e.kind === 'range' ? [e.cidr] : []));
  const lookup = opts.lookup ?? systemLookup;

  /** Why an address is refused, or null when it may be used. */
  const addressProblem = (address: string): string | null => {
    const kind = classifyAddress(address);
    if (kind === null) return 'not an IP address';
    if (kind === 'public' || ranges.some((range) => inCidr(address, range))) return null;
    return kind;
  };

  async function resolve(rawHost: string): Promise<ResolvedAddress> {
    const host = canonicalHost(rawHost);
    if (host === null) throw new AddressNotAllowedError(rawHost, 'not a host name or IP address');
    if (parseIp(host)) {
      const problem = addressProblem(host);
      if (problem) throw new AddressNotAllowedError(host, problem);
      return { address: host, family: host.includes(':') ? 6 : 4 };
    }
    const found = await lookup(host);
    const first = found[0];
    if (!first) throw Object.assign(new Error(`${host} did not resolve`), { code: 'ENOTFOUND' });
    if (names.has(host)) return first;
    // Every address must pass: a name answering one public and one internal address is refused.
    for (const { address } of found) {
      const problem = addressProblem(address);
      if (problem) throw new AddressNotAllowedError(host, `resolves to a ${problem} address`);
    }
    return first;
  }

  async function hostProblem(rawHost: string): Promise<string | null> {
    const host = canonicalHost(rawHost);
    if (host === null) return 'must be a host name or an IP address (no scheme, port, path or credentials)';
    if (names.has(host)) return null;
    if (parseIp(host)) {
      const problem = addressProblem(host);
      return problem ? `${NOT_ALLOWED}: ${problem} (an operator can allow it in OUTBOUND_ALLOW)` : null;
    }
    let found: ResolvedAddress[];
    try {
      found = await lookup(host);
    } catch {
      // Not resolvable from here (yet): the connection checks it again.
      return isLocalhostName(host) ? `${NOT_ALLOWED}: loopback (an operator can allow it in OUTBOUND_ALLOW)` : null;
    }
    if (isLocalhostName(host) && found.length === 0) return `${NOT_ALLOWED}: loopback`;
    for (const { address } of found) {
      const problem = addressProblem(address);
      if (problem) return `${NOT_ALLOWED}: resolves to a ${problem} address (an operator can allow it in OUTBOUND_ALLOW)`;
    }
    return null;
  }

  async function urlProblem(raw: string, schemes: readonly string[]): Promise<string | null> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return 'must be an absolute URL';
    }
    if (!schemes.includes(url.protocol)) return `must use ${schemes.map((s) => `${s}//`).join(' or ')}`;
    if (url.username || url.password) return 'must not contain credentials';
    return hostProblem(url.hostname);
  }

  return { resolve, hostProblem, urlProblem };
}
