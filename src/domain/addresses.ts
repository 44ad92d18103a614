/**
 * Pure address rules for outbound connections a company's settings can
 * direct: IP literals parsed by hand (no Node imports, so the workflow
 * sandbox may load this module too), the ranges a provider must never point
 * at, CIDR matching for the operator's allow-list, and host-name syntax.
 */

/** Where an address points; anything but `public` is refused unless the operator allows it. */
export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'unspecified' | 'multicast' | 'reserved';

/** Four or sixteen bytes, network order. */
export type IpBytes = readonly number[];

/** Dotted-quad IPv4 (exactly four decimal parts 0–255), else null. */
function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    bytes.push(value);
  }
  return bytes;
}

/** IPv6 with `::` and an optional dotted IPv4 tail; a zone (`%eth0`) is ignored. Null when malformed. */
function parseIpv6(text: string): number[] | null {
  const bare = text.replace(/%.*$/, '');
  if (!/^[0-9a-fA-F:.]+$/.test(bare)) return null;
  let groups: string[];
  const halves = bare.split('::');
  if (halves.length > 2) return null;
  const split = (s: string) => (s === '' ? [] : s.split(':'));
  let tail: number[] = [];
  const lastOf = (list: string[]) => list[list.length - 1];
  const expand = (list: string[]): string[] | null => {
    const last = lastOf(list);
    if (last !== undefined && last.includes('.')) {
      const v4 = parseIpv4(last);
      if (!v4) return null;
      tail = v4;
      return list.slice(0, -1);
    }
    return list;
  };
  if (halves.length === 2) {
    const head = split(halves[0] ?? '');
    const rest = expand(split(halves[1] ?? ''));
    if (!rest) return null;
    const missing = 8 - head.length - rest.length - tail.length / 2;
    if (missing < 1) return null;
    groups = [...head, ...Array<string>(missing).fill('0'), ...rest];
  } else {
    const all = expand(split(bare));
    if (!all) return null;
    groups = all;
    if (groups.length + tail.length / 2 !== 8) return null;
  }
  const bytes: number[] = [];
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    const value = parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  return [...bytes, ...tail];
}

/** An IP literal (IPv4 dotted quad, IPv6 with or without brackets) as bytes; null for anything else. */
export function parseIp(text: string): IpBytes | null {
  const unbracketed = /^\[(.*)\]$/.exec(text)?.[1] ?? text;
  return parseIpv4(unbracketed) ?? (unbracketed.includes(':') ? parseIpv6(unbracketed) : null);
}

const startsWith = (bytes: IpBytes, prefix: IpBytes, bits: number): boolean => {
  for (let i = 0; i < bits; i++) {
    const byte = Math.floor(i / 8);
    const mask = 0x80 >> i % 8;
    if (((bytes[byte] ?? 0) & mask) !== ((prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
};

type Range = readonly [prefix: IpBytes, bits: number, kind: Exclude<AddressClass, 'public'>];

const V4_RANGES: readonly Range[] = [
  [[0, 0, 0, 0], 32, 'unspecified'],
  [[0, 0, 0, 0], 8, 'reserved'], // "this network"
  [[127, 0, 0, 0], 8, 'loopback'],
  [[10, 0, 0, 0], 8, 'private'],
  [[172, 16, 0, 0], 12, 'private'],
  [[192, 168, 0, 0], 16, 'private'],
  [[100, 64, 0, 0], 10, 'private'], // CGNAT
  [[169, 254, 0, 0], 16, 'link-local'], // includes the cloud metadata address 169.254.169.254
  [[192, 0, 0, 0], 24, 'reserved'], // IETF protocol assignments
  [[198, 18, 0, 0], 15, 'reserved'], // benchmarking
  [[224, 0, 0, 0], 4, 'multicast'],
  [[240, 0, 0, 0], 4, 'reserved'], // incl. broadcast 255.255.255.255
];

const ZERO16 = Array<number>(16).fill(0);
const V6_RANGES: readonly Range[] = [
  [ZERO16, 128, 'unspecified'],
  [[...ZERO16.slice(0, 15), 1], 128, 'loopback'],
  [[0xfc], 7, 'private'], // ULA
  [[0xfe, 0x80], 10, 'link-local'],
  [[0xfe, 0xc0], 10, 'private'], // deprecated site-local
  [[0xff], 8, 'multicast'],
];

function classifyV4(bytes: IpBytes): AddressClass {
  return V4_RANGES.find(([prefix, bits]) => startsWith(bytes, prefix, bits))?.[2] ?? 'public';
}

/** The IPv4 address an IPv6 address carries and is delivered to (mapped, compatible, NAT64, 6to4), if any. */
function embeddedV4(bytes: IpBytes): IpBytes | null {
  const mapped = [...ZERO16.slice(0, 10), 0xff, 0xff];
  if (startsWith(bytes, mapped, 96)) return bytes.slice(12);
  if (startsWith(bytes, ZERO16, 96)) return bytes.slice(12); // IPv4-compatible (deprecated); :: and ::1 are caught before
  if (startsWith(bytes, [0x00, 0x64, 0xff, 0x9b, ...ZERO16.slice(0, 8)], 96)) return bytes.slice(12); // NAT64 64:ff9b::/96
  if (startsWith(bytes, [0x20, 0x02], 16)) return bytes.slice(2, 6); // 6to4
  return null;
}

/** The class of an IP literal; null when `ip` is not one. */
export function classifyAddress(ip: string): AddressClass | null {
  const bytes = parseIp(ip);
  if (!bytes) return null;
  if (bytes.length === 4) return classifyV4(bytes);
  const own = V6_RANGES.find(([prefix, bits]) => startsWith(bytes, prefix, bits))?.[2];
  if (own) return own;
  const v4 = embeddedV4(bytes);
  return v4 ? classifyV4(v4) : 'public';
}

/** An allow-list entry `10.0.0.0/8`, `fd00::/8` or a bare address (a /32 or /128). */
export interface Cidr {
  bytes: IpBytes;
  bits: number;
}

export function parseCidr(text: string): Cidr | null {
  const [address = '', prefix, ...extra] = text.split('/');
  if (extra.length > 0) return null;
  const bytes = parseIp(address);
  if (!bytes) return null;
  const max = bytes.length * 8;
  if (prefix === undefined) return { bytes, bits: max };
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return null;
  return { bytes, bits: Number(prefix) };
}

/** Whether `ip` lies in `cidr`; an IPv4-mapped IPv6 address matches IPv4 ranges too. */
export function inCidr(ip: string, cidr: Cidr): boolean {
  let bytes = parseIp(ip);
  if (!bytes) return false;
  if (bytes.length === 16 && cidr.bytes.length === 4) {
    const v4 = embeddedV4(bytes);
    if (!v4) return false;
    bytes = v4;
  }
  return bytes.length === cidr.bytes.length && startsWith(bytes, cidr.bytes, cidr.bits);
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i;

/**
 * A DNS host name: dot-separated labels of letters, digits, `-` and `_`, at
 * most 253 characters, an optional final dot. Nothing that could change a
 * URL's meaning (`@`, `:`, `/`, `?`, `#`, spaces) gets through.
 */
export function isHostname(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  return name.length > 0 && name.length <= 253 && name.split('.').every((label) => LABEL.test(label));
}

/** Names that always mean this machine (RFC 6761), whatever DNS says. */
export function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** A TCP port: an integer 1–65535. */
export function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** A host name or an IP range the operator allows (`OUTBOUND_ALLOW`). */
export type AllowEntry = { kind: 'name'; name: string } | { kind: 'range'; cidr: Cidr };

/** `smtp.internal`, `10.0.0.5`, `10.0.0.0/8`, `::1`, `[::1]`, `fd00::/8`; null when it is none of these. */
export function parseAllowEntry(text: string): AllowEntry | null {
  const entry = text.trim();
  const cidr = parseCidr(entry.replace(/^\[(.*)\](\/\d+)?$/, '$1$2'));
  if (cidr) return { kind: 'range', cidr };
  // All digits and dots is a malformed address, not a name.
  if (!entry.includes('/') && isHostname(entry) && !/^[\d.]+$/.test(entry)) return { kind: 'name', name: entry.toLowerCase().replace(/\.$/, '') };
  return null;
}
