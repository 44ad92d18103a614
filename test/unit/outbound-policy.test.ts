import { describe, expect, it } from 'vitest';
import { AddressNotAllowedError, type ResolvedAddress } from '../../src/channels/outbound';
import { RejectedError } from '../../src/channels/errors';
import { classifyAddress, inCidr, isHostname, parseCidr, parseIp } from '../../src/domain/addresses';
import { canonicalHost, createOutboundPolicy } from '../../src/providers/outbound-policy';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fc00::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:0a00:0001::1', 'private'],
    ['[::1]', 'loopback'],
  ])('%s is %s', (ip, kind) => {
    expect(classifyAddress(ip)).toBe(kind);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2a00:1450:4010:c05::8a', '::ffff:8.8.8.8'])('%s is public', (ip) => {
    expect(classifyAddress(ip)).toBe('public');
  });

  it.each(['localhost', '1.2.3', '1.2.3.256', '1:2:3', '1::2::3', 'g::1', ''])('%s is no IP literal', (text) => {
    expect(parseIp(text)).toBeNull();
    expect(classifyAddress(text)).toBeNull();
  });
});

describe('ranges and names', () => {
  it('matches CIDR ranges, IPv4-mapped IPv6 included', () => {
    const ten = parseCidr('10.0.0.0/8')!;
    expect(inCidr('10.1.2.3', ten)).toBe(true);
    expect(inCidr('11.0.0.1', ten)).toBe(false);
    expect(inCidr('::ffff:10.0.0.1', ten)).toBe(true);
    expect(inCidr('fd00::1', parseCidr('fd00::/8')!)).toBe(true);
    expect(parseCidr('10.0.0.0/33')).toBeNull();
  });

  it.each(['smtp.example.com', 'mail', 'a-b.example.', 'xn--e1afmkfd.xn--p1ai'])('%s is a host name', (name) => {
    expect(isHostname(name)).toBe(true);
  });

  it.each(['evil:25/x?', 'user@evil', 'evil/path', 'a b', '-bad.example', '', 'http://x'])('%s is no host name', (name) => {
    expect(isHostname(name)).toBe(false);
  });

  it('reads legacy IPv4 spellings as the address they mean', () => {
    expect(canonicalHost('127.1')).toBe('127.0.0.1');
    expect(canonicalHost('2130706433')).toBe('127.0.0.1');
    expect(canonicalHost('0x7f.0.0.1')).toBe('127.0.0.1');
    expect(canonicalHost('[::1]')).toBe('::1');
    expect(canonicalHost('evil:25/x?')).toBeNull();
  });
});

describe('the outbound policy', () => {
  const dns: Record<string, ResolvedAddress[]> = {
    'public.example': [{ address: '93.184.216.34', family: 4 }],
    'internal.example': [{ address: '10.0.0.5', family: 4 }],
    'mixed.example': [
      { address: '93.184.216.34', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ],
    localhost: [{ address: '127.0.0.1', family: 4 }],
  };
  const lookup = async (host: string) => {
    const found = dns[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found;
  };

  it.each(['127.0.0.1', '10.0.0.5', '169.254.169.254', '::1', '[::1]', '::ffff:127.0.0.1', '2130706433', 'localhost', 'internal.example', 'mixed.example'])(
    'refuses %s at connection time as a permanent "address not allowed"',
    async (host) => {
      const error = await createOutboundPolicy({ lookup }).resolve(host).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AddressNotAllowedError);
      expect(error).toBeInstanceOf(RejectedError);
      expect((error as RejectedError).permanent).toBe(true);
      expect((error as Error).message).toMatch(/^address not allowed/);
    },
  );

  it('connects a public name to the address it checked', async () => {
    await expect(createOutboundPolicy({ lookup }).resolve('public.example')).resolves.toEqual({ address: '93.184.216.34', family: 4 });
  });

  it('lets the allow-list open an address, a range or a name', async () => {
    const policy = createOutboundPolicy({ lookup, allow: ['127.0.0.1', '10.0.0.0/8', 'mixed.example'] });
    await expect(policy.resolve('127.0.0.1')).resolves.toMatchObject({ address: '127.0.0.1' });
    await expect(policy.resolve('localhost')).resolves.toMatchObject({ address: '127.0.0.1' });
    await expect(policy.resolve('internal.example')).resolves.toMatchObject({ address: '10.0.0.5' });
    await expect(policy.resolve('mixed.example')).resolves.toMatchObject({ address: '93.184.216.34' });
    await expect(policy.resolve('169.254.169.254')).rejects.toBeInstanceOf(AddressNotAllowedError);
    await expect(policy.resolve('::1')).rejects.toBeInstanceOf(AddressNotAllowedError);
  });

  it('judges hosts and URLs at save time, letting a name that does not resolve yet pass', async () => {
    const policy = createOutboundPolicy({ lookup });
    expect(await policy.hostProblem('10.0.0.5')).toMatch(/address not allowed: private/);
    expect(await policy.hostProblem('localhost')).toMatch(/address not allowed/);
    expect(await policy.hostProblem('evil:25/x?')).toMatch(/host name or an IP address/);
    expect(await policy.hostProblem('not-yet.example')).toBeNull();
    expect(await policy.hostProblem('public.example')).toBeNull();
    expect(await policy.urlProblem('http://169.254.169.254/latest/meta-data', ['http:', 'https:'])).toMatch(/link-local/);
    expect(await policy.urlProblem('http://[::1]:8081', ['http:', 'https:'])).toMatch(/loopback/);
    expect(await policy.urlProblem('https://user:pass@public.example', ['http:', 'https:'])).toMatch(/credentials/);
    expect(await policy.urlProblem('ftp://public.example', ['http:', 'https:'])).toMatch(/http/);
    expect(await policy.urlProblem('https://public.example/api', ['http:', 'https:'])).toBeNull();
  });
});
