/**
 * What an IP address reaches, for deciding whether smsops may send a relayed SMS there. smsops posts to URLs people
 * give it and keeps the start of the answer, so an address that turns the relay inward (a cloud metadata service, a
 * link-local service) is refused; loopback and private addresses stay allowed because PortSIP often runs on the same
 * host or the LAN, and are named so a person sees it.
 */

/** `public`, `loopback` and `private` may be relayed to; the others are refused. */
export type AddressKind = 'public' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'unspecified' | 'not-unicast';

export interface AddressClass {
  kind: AddressKind;
  /** The range it fell in, for people: `169.254.0.0/16`, `fe80::/10`, `10.0.0.0/8 (IPv4-mapped)`. */
  range: string;
}

export const REFUSED_KINDS: ReadonlySet<AddressKind> = new Set(['link-local', 'metadata', 'unspecified', 'not-unicast']);

/** Strict dotted decimal (`10.0.0.1`): four parts, 0–255, no leading zeros, the only IPv4 spelling smsops accepts. */
export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

/** An IPv6 address (brackets and a zone id allowed) as eight 16-bit groups; a trailing dotted IPv4 part is accepted. */
export function parseIpv6(text: string): number[] | null {
  let t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  t = t.replace(/%.*$/, '');
  if (!t.includes(':') || !/^[0-9a-fA-F:.]+$/.test(t)) return null;
  let tail: number[] = [];
  const lastColon = t.lastIndexOf(':');
  const last = t.slice(lastColon + 1);
  if (last.includes('.')) {
    const dotted = parseIpv4(last);
    if (dotted === null) return null;
    tail = [Math.floor(dotted / 65536), dotted % 65536];
    t = t.slice(0, lastColon + 1);
    // Keep a `::` just before the IPv4 part; drop a plain separator colon.
    if (!t.endsWith('::')) t = t.slice(0, -1);
  }
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0] ?? '');
  const rest = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const all = [...head, ...rest];
  if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  const explicit = all.length + tail.length;
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return null;
  const zeros = new Array<string>(8 - explicit).fill('0');
  const hex = halves.length === 2 ? [...head, ...zeros, ...rest] : all;
  return [...hex.map((g) => Number.parseInt(g, 16)), ...tail];
}

const v4 = (a: number, b: number, c: number, d: number) => ((a * 256 + b) * 256 + c) * 256 + d;
const inV4 = (address: number, base: number, bits: number) => {
  const size = 2 ** (32 - bits);
  return Math.floor(address / size) === Math.floor(base / size);
};

/** First match wins: the metadata address before its link-local range. */
const IPV4_TABLE: Array<{ base: number; bits: number; kind: AddressKind; range: string }> = [
  // Alibaba Cloud's metadata service lives in the shared address space, outside 169.254/16.
  { base: v4(100, 100, 100, 200), bits: 32, kind: 'metadata', range: '100.100.100.200' },
  // Oracle Cloud's older metadata address (it now answers on 169.254.169.254 too).
  { base: v4(192, 0, 0, 192), bits: 32, kind: 'metadata', range: '192.0.0.192' },
  // AWS, GCP, Azure, Oracle, DigitalOcean, OpenStack… all answer on 169.254.169.254; the whole range is refused.
  { base: v4(169, 254, 0, 0), bits: 16, kind: 'link-local', range: '169.254.0.0/16' },
  // Linux connects 0.0.0.0 to this host: a way round a loopback check, and never what a person means.
  { base: v4(0, 0, 0, 0), bits: 8, kind: 'unspecified', range: '0.0.0.0/8' },
  { base: v4(127, 0, 0, 0), bits: 8, kind: 'loopback', range: '127.0.0.0/8' },
  { base: v4(10, 0, 0, 0), bits: 8, kind: 'private', range: '10.0.0.0/8' },
  { base: v4(172, 16, 0, 0), bits: 12, kind: 'private', range: '172.16.0.0/12' },
  { base: v4(192, 168, 0, 0), bits: 16, kind: 'private', range: '192.168.0.0/16' },
  { base: v4(100, 64, 0, 0), bits: 10, kind: 'private', range: '100.64.0.0/10 (carrier-grade NAT)' },
  { base: v4(224, 0, 0, 0), bits: 4, kind: 'not-unicast', range: '224.0.0.0/4 (multicast)' },
  { base: v4(240, 0, 0, 0), bits: 4, kind: 'not-unicast', range: '240.0.0.0/4 (reserved, broadcast)' },
];

export function classifyIpv4(address: number): AddressClass {
  const hit = IPV4_TABLE.find((row) => inV4(address, row.base, row.bits));
  return hit ? { kind: hit.kind, range: hit.range } : { kind: 'public', range: 'public' };
}

const embedded = (groups: number[], at: number) => (groups[at] ?? 0) * 65536 + (groups[at + 1] ?? 0);
const startsWith = (groups: number[], prefix: number[]) => prefix.every((g, i) => groups[i] === g);

function viaV4(address: number, how: string): AddressClass {
  const inner = classifyIpv4(address);
  return { kind: inner.kind, range: `${inner.range} (${how})` };
}

export function classifyIpv6(groups: number[]): AddressClass {
  const zerosUpTo = (n: number) => groups.slice(0, n).every((g) => g === 0);
  if (zerosUpTo(8)) return { kind: 'unspecified', range: '::' };
  if (zerosUpTo(7) && groups[7] === 1) return { kind: 'loopback', range: '::1' };
  // Forms that carry an IPv4 address reach that address (mapped: this host's own stack; NAT64 and 6to4: a gateway).
  if (zerosUpTo(5) && groups[5] === 0xffff) return viaV4(embedded(groups, 6), 'IPv4-mapped');
  if (zerosUpTo(6)) return viaV4(embedded(groups, 6), 'IPv4-compatible');
  // SIIT's IPv4-translated form (::ffff:0:a.b.c.d, RFC 2765): a translator on the path delivers it to a.b.c.d.
  if (zerosUpTo(4) && groups[4] === 0xffff && groups[5] === 0) return viaV4(embedded(groups, 6), 'IPv4-translated');
  if (startsWith(groups, [0x64, 0xff9b, 0, 0, 0, 0])) return viaV4(embedded(groups, 6), 'NAT64');
  if (startsWith(groups, [0x64, 0xff9b, 1])) return viaV4(embedded(groups, 6), 'NAT64');
  if (groups[0] === 0x2002) return viaV4(embedded(groups, 1), '6to4');
  // AWS's instance metadata service over IPv6.
  if (startsWith(groups, [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254])) return { kind: 'metadata', range: 'fd00:ec2::254' };
  const first = groups[0] ?? 0;
  if (first >= 0xfe80 && first <= 0xfebf) return { kind: 'link-local', range: 'fe80::/10' };
  if (first >= 0xfec0 && first <= 0xfeff) return { kind: 'private', range: 'fec0::/10 (site-local)' };
  if (first >= 0xfc00 && first <= 0xfdff) return { kind: 'private', range: 'fc00::/7 (unique local)' };
  if (first >= 0xff00) return { kind: 'not-unicast', range: 'ff00::/8 (multicast)' };
  return { kind: 'public', range: 'public' };
}

/** The class of an IP literal (IPv4 dotted decimal, or IPv6 with or without brackets); null for anything else. */
export function classifyAddress(text: string): AddressClass | null {
  const four = parseIpv4(text);
  if (four !== null) return classifyIpv4(four);
  const six = parseIpv6(text);
  return six === null ? null : classifyIpv6(six);
}
