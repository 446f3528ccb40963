import { err, ok, type Result } from '../errors.js';
import { InputError } from './inputError.js';
import { type AddressClass, classifyAddress, REFUSED_KINDS } from './ipRanges.js';
import { encodeCopiedUrl, maskUrl } from './urls.js';

/**
 * Checks a URL smsops is asked to send to (a PortSIP route, PORTSIP_WEBHOOK_URL, a Wavix webhook): it must not turn
 * the relay inward. An address is judged after WHATWG parsing, which is what the HTTP request uses; an IP address
 * written in any other way than plain dotted decimal (`0x7f000001`, `2130706433`, `0177.0.0.1`, `127.1`) is refused
 * outright, because such spellings exist to slip past checks and no PBX address is ever copied like that.
 *
 * A host name is judged by its name only (a few well-known metadata names are refused); what it resolves to is
 * checked when the relay connects (src/core/destinationGuard.ts), since DNS can change after the route was set.
 */

export type DestinationKind = AddressClass['kind'] | 'name' | 'loopback-name';

export interface DestinationUrl {
  /** As given (spaces kept). */
  raw: string;
  /** The host as the request will use it (WHATWG-normalised). */
  host: string;
  kind: DestinationKind;
  /** For people: why the URL is allowed but worth a look, e.g. "loopback address: PortSIP on this host?"; else null. */
  note: string | null;
}

/** Who will call the URL: smsops' relay (PortSIP on this host or the LAN is normal), or Wavix from the internet. */
export type DestinationCaller = 'smsops' | 'wavix';

/** Names cloud providers give their metadata services (they resolve to refused addresses anyway where it matters). */
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.tencentyun.com',
  'metadata.platformequinix.com',
]);

/**
 * The host exactly as typed, before any normalisation: after the scheme and any slashes, up to the path, without
 * user info and port. The WHATWG parser removes tabs and newlines anywhere and treats `\` as `/`, so this does too.
 */
export function typedHost(raw: string): string | null {
  const s = raw.replace(/[\t\n\r]/g, '').trim();
  const match = /^[a-z][a-z0-9+.-]*:[\\/]*([^\\/?#]*)/i.exec(s);
  if (!match) return null;
  let authority = match[1] ?? '';
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end < 0 ? authority : authority.slice(0, end + 1);
  }
  const colon = authority.indexOf(':');
  return colon < 0 ? authority : authority.slice(0, colon);
}

const REFUSAL: Record<string, (range: string) => string> = {
  'link-local': (range) => `a link-local address (${range}), where cloud metadata services answer`,
  metadata: (range) => `a cloud metadata address (${range})`,
  unspecified: (range) => `an unspecified address (${range}), which reaches this host; write 127.0.0.1 for PortSIP on this host`,
  'not-unicast': (range) => `not a single host's address (${range})`,
};

function noteFor(kind: DestinationKind, range: string, caller: DestinationCaller): string | null {
  const where = kind === 'private' ? `private address (${range})` : kind === 'loopback' ? 'loopback address' : 'loopback name';
  if (kind === 'public' || kind === 'name') return null;
  return caller === 'wavix'
    ? `${where}: Wavix calls this URL from the internet and cannot reach it`
    : kind === 'private'
      ? `${where}: PortSIP on your LAN?`
      : `${where}: PortSIP on this host?`;
}

/** An http(s) URL smsops will not send to (as opposed to text that is no URL at all). */
export class RefusedDestinationError extends InputError {
  constructor(raw: string, why: string) {
    // The URL's last segment is a credential (PortSIP's UUID) and refusals are audited: only its masked form is repeated.
    super([{ field: 'url', message: `smsops does not send to "${maskUrl(raw)}": ${why}.` }]);
    this.name = 'RefusedDestinationError';
  }
}

function refuse(raw: string, why: string): Result<never, InputError> {
  return err(new RefusedDestinationError(raw, why));
}

const notHttp = (raw: string) => err(new InputError([{ field: 'url', message: `"${maskUrl(raw)}" is not an http(s) URL.` }]));

/** Whether smsops may send to this URL, and what a person should notice about it. */
export function checkDestinationUrl(raw: string, caller: DestinationCaller = 'smsops'): Result<DestinationUrl, InputError> {
  let url: URL;
  try {
    url = new URL(encodeCopiedUrl(raw));
  } catch {
    return notHttp(raw);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return notHttp(raw);
  const host = url.hostname;
  const typed = typedHost(encodeCopiedUrl(raw))?.toLowerCase() ?? '';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host) && typed !== host) {
    return refuse(
      raw,
      `its host "${typed}" is an unusual way of writing the IP address ${host}; write the address as four decimal numbers (e.g. ${host})`,
    );
  }
  const address = classifyAddress(host);
  if (address) {
    const why = REFUSAL[address.kind];
    if (why && REFUSED_KINDS.has(address.kind)) return refuse(raw, `its host is ${why(address.range)}`);
    return ok({ raw, host, kind: address.kind, note: noteFor(address.kind, address.range, caller) });
  }
  const name = host.replace(/\.$/, '');
  if (METADATA_NAMES.has(name)) return refuse(raw, `"${name}" is a cloud metadata service`);
  if (name === 'localhost' || name.endsWith('.localhost')) {
    return ok({ raw, host, kind: 'loopback-name', note: noteFor('loopback-name', name, caller) });
  }
  return ok({ raw, host, kind: 'name', note: null });
}

/** The note of a stored destination (`/sms route list`), or why it would be refused today (set before this check). */
export function destinationRemark(raw: string): { note: string | null; refused: string | null } {
  const checked = checkDestinationUrl(raw);
  return checked.ok ? { note: checked.value.note, refused: null } : { note: null, refused: checked.error.userMessage };
}

/**
 * A plain http:// route to a public address or a name: each SMS (its text, the customer's number) and the URL's last
 * segment, PortSIP's credential, cross the network unencrypted. PortSIP shows its webhook as https:// (port 8887 or
 * 10443); loopback and private addresses are this host or the LAN, marked as such already.
 */
export function plainHttpRemark(raw: string): string | null {
  const checked = checkDestinationUrl(raw);
  if (!checked.ok || !/^http:/i.test(checked.value.raw.trim())) return null;
  if (checked.value.kind !== 'public' && checked.value.kind !== 'name') return null;
  if (checked.value.kind === 'name' && isLanOnlyName(checked.value.host)) return null;
  return checked.value.kind === 'public'
    ? 'plain http:// to an internet address: every SMS relayed there (text and number) and the URL’s token travel unencrypted; use PortSIP’s https:// webhook URL'
    : 'plain http://: unless this name is on your LAN, every SMS relayed there (text and number) and the URL’s token travel unencrypted; use PortSIP’s https:// webhook URL';
}

/**
 * A URL with no path: PortSIP's SMS webhook ends with its configuration's ID (`…/emc/Wavix - US/0d3c…`), so this is
 * most likely its web portal's address (PORTSIP_API_URL's), pasted instead: the portal may answer a POST 2xx, and the
 * SMS then count as delivered while PortSIP never sees them. Said, not refused: a PortSIP on this host (a test rig's
 * sink) may be reached so.
 */
export function pathlessRemark(raw: string): string | null {
  const checked = checkDestinationUrl(raw);
  if (!checked.ok || checked.value.kind === 'loopback' || checked.value.kind === 'loopback-name') return null;
  let path: string;
  try {
    path = new URL(encodeCopiedUrl(raw)).pathname;
  } catch {
    return null;
  }
  if (path !== '/' && path !== '') return null;
  return 'no path: PortSIP’s SMS webhook URL ends with its configuration’s ID (Message Channels → SMS/MMS → Copy Webhook); this looks like the web portal’s address, which does not take SMS';
}

/**
 * Names no public DNS answers for: one label (`pbx`, found through the LAN's search domain), mDNS `.local`, and the
 * suffixes kept for private networks (`.home.arpa`, `.internal`) or commonly used so (`.lan`, `.localdomain`). A plain
 * http:// PortSIP there is on the LAN like a private address, which is not marked either: marking it on every line of
 * /sms route list taught people to read past the mark (a probe).
 */
const LAN_ONLY_SUFFIXES = ['.local', '.home.arpa', '.internal', '.lan', '.localdomain'];

export function isLanOnlyName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return !name.includes('.') || LAN_ONLY_SUFFIXES.some((suffix) => name.endsWith(suffix));
}
