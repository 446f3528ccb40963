import { describe, expect, it } from 'vitest';
import { checkDestinationUrl, typedHost } from '../../src/core/destinationUrls.js';
import { classifyAddress, parseIpv6 } from '../../src/core/ipRanges.js';

const refusal = (url: string) => {
  const checked = checkDestinationUrl(url);
  return checked.ok ? `accepted (${checked.value.kind})` : checked.error.userMessage;
};

describe('destination URLs a relay may be pointed at', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://169.254.0.23/',
    'http://user:pw@169.254.169.254/',
    'http:\\\\169.254.169.254\\latest',
    'http://[fe80::1]/',
    'http://[febf::1]/',
    'http://[fd00:ec2::254]/latest/meta-data/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[0:0:0:0:0:ffff:169.254.169.254]/',
    'http://[64:ff9b::169.254.169.254]/',
    'http://[2002:a9fe:a9fe::1]/',
    'http://[::ffff:0:169.254.169.254]/',
    'http://[::ffff:0:a9fe:a9fe]/',
    'http://100.100.100.200/latest/meta-data/',
    'http://192.0.0.192/opc/v1/instance/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://metadata.google.internal./computeMetadata/v1/',
  ])('refuses the link-local / metadata address %s', (url) => {
    expect(refusal(url)).toMatch(/^smsops does not send to ".*": .*(link-local|cloud metadata)/);
  });

  it.each([
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0xa9fea9fe/', '169.254.169.254'],
    ['http://2852039166/', '169.254.169.254'],
    ['http://0251.0376.0251.0376/', '169.254.169.254'],
    ['http://169.254.43518/', '169.254.169.254'],
    ['http://%31%36%39.254.169.254/', '169.254.169.254'],
    ['http://１６９.２５４.１６９.２５４/', '169.254.169.254'],
    ['http://10.0.0.1./x', '10.0.0.1'],
  ])('refuses the non-canonical spelling %s (it means %s)', (url, meant) => {
    expect(refusal(url)).toContain(`is an unusual way of writing the IP address ${meant}`);
  });

  it.each(['http://0.0.0.0:8887/', 'http://[::]/', 'http://224.0.0.1/', 'http://255.255.255.255/', 'http://[ff02::1]/'])(
    'refuses %s, which is not one host',
    (url) => {
      expect(refusal(url)).toMatch(/^smsops does not send to/);
    },
  );

  it.each([
    [
      'http://127.0.0.1:8887/emc/Wavix - US/0d3c9a44-1111-2222-3333-444455556666',
      'loopback',
      'loopback address: PortSIP on this host?',
    ],
    ['http://[::1]:8887/x', 'loopback', 'loopback address: PortSIP on this host?'],
    ['http://localhost:8887/x', 'loopback-name', 'loopback name: PortSIP on this host?'],
    ['https://10.1.2.3:8887/x', 'private', 'private address (10.0.0.0/8): PortSIP on your LAN?'],
    ['https://172.31.0.5/x', 'private', 'private address (172.16.0.0/12): PortSIP on your LAN?'],
    ['https://192.168.1.10:8887/x', 'private', 'private address (192.168.0.0/16): PortSIP on your LAN?'],
    ['http://[fd12:3456::1]/x', 'private', 'private address (fc00::/7 (unique local)): PortSIP on your LAN?'],
    ['http://[::ffff:10.0.0.1]/x', 'private', 'private address (10.0.0.0/8 (IPv4-mapped)): PortSIP on your LAN?'],
  ])('accepts %s, marked as %s', (url, kind, note) => {
    const checked = checkDestinationUrl(url);
    expect(checked.ok && checked.value).toMatchObject({ kind, note });
  });

  it('accepts public addresses and names without a mark, spaces in the path included', () => {
    for (const url of [
      'https://pbx.example.com:8887/emc/Wavix - US/0d3c9a44',
      'https://203.0.113.7/x',
      'http://[2001:db8::1]/x',
    ]) {
      const checked = checkDestinationUrl(url);
      expect(checked.ok && checked.value.note, url).toBeNull();
    }
  });

  it('says a private address cannot be reached by Wavix when Wavix is the caller', () => {
    const checked = checkDestinationUrl('http://192.168.1.10/hook', 'wavix');
    expect(checked.ok && checked.value.note).toBe(
      'private address (192.168.0.0/16): Wavix calls this URL from the internet and cannot reach it',
    );
  });

  it('refuses what is not http(s), and never repeats the credential segment of a refused URL', () => {
    expect(refusal('ftp://pbx.example.com/x')).toContain('is not an http(s) URL');
    expect(refusal('not a url')).toContain('is not an http(s) URL');
    const message = refusal('http://169.254.169.254/emc/0d3c9a44-1111-2222-3333-444455556666');
    expect(message).toContain('/emc/0d3c…');
    expect(message).not.toContain('444455556666');
  });

  it('reads the host as typed, the way the URL parser splits it', () => {
    expect(typedHost('http://user:pw@0x7f000001:8080/a')).toBe('0x7f000001');
    expect(typedHost('http:\\\\127.1\\x')).toBe('127.1');
    expect(typedHost('http://[::1]:80/')).toBe('[::1]');
    expect(typedHost('https://pbx.example.com')).toBe('pbx.example.com');
  });

  it('parses IPv6 forms into their groups', () => {
    expect(parseIpv6('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIpv6('::ffff:169.254.169.254')).toEqual([0, 0, 0, 0, 0, 0xffff, 0xa9fe, 0xa9fe]);
    expect(parseIpv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIpv6('1:2:3:4:5:6:1.2.3.4')).toEqual([1, 2, 3, 4, 5, 6, 0x102, 0x304]);
    expect(parseIpv6('1::2::3')).toBeNull();
    expect(parseIpv6('1:2:3')).toBeNull();
    expect(classifyAddress('pbx.example.com')).toBeNull();
    expect(classifyAddress('169.254.169.254')?.kind).toBe('link-local');
  });
});
