import { checkDestinationUrl } from './destinationUrls.js';

/**
 * Why Wavix could not post to smsops at PUBLIC_BASE_URL (the base itself, never a URL built on it), for people; null
 * when it may. Wavix calls from the internet, so a loopback or private host reaches only a Wavix stand-in on this host
 * or network (the sandbox's emulator, a test rig): warned about, never refused, so those keep working.
 */
export function publicBaseUnreachable(url: string): string | null {
  const ownPath = publicBaseOwnPath(url);
  if (ownPath) return ownPath;
  const placeholder = documentationHost(url);
  if (placeholder)
    return `PUBLIC_BASE_URL's host ${placeholder} is a name kept for examples (as in manifest.yml and .env.example): nothing on the internet answers there, so Wavix could deliver no SMS to smsops; set PUBLIC_BASE_URL to the address where the internet reaches smsops`;
  const checked = checkDestinationUrl(url, 'wavix');
  if (checked.ok && checked.value.note === null) return null;
  const host = checked.ok ? `is a ${checked.value.note}` : 'is not an address Wavix can reach from the internet';
  return `PUBLIC_BASE_URL's host ${host}; set PUBLIC_BASE_URL to the address where the internet reaches smsops`;
}

/**
 * The names RFC 2606 / RFC 6761 keep for documentation and tests (`example.com`, `.test`, `.invalid`…): the README's
 * `https://smsops.example.com`, pasted as it is, made `/sms webhook set` point Wavix there without a word, and every
 * inbound SMS went nowhere. Null for any other host.
 */
function documentationHost(url: string): string | null {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return null;
  }
  const reserved = ['example.com', 'example.net', 'example.org', 'example', 'test', 'invalid'];
  return reserved.some((name) => host === name || host.endsWith(`.${name}`)) ? host : null;
}

/**
 * The Slack Request URL (`…/slack/events`, as manifest.yml writes it) or one of smsops' webhook URLs pasted as
 * PUBLIC_BASE_URL: the start said nothing, `/sms webhook set` pointed Wavix at `…/slack/events/webhooks/wavix/…` and
 * smsops answered every SMS 404. Null when the base ends in none of smsops' own paths.
 */
export function publicBaseOwnPath(url: string): string | null {
  let path: string;
  try {
    path = new URL(url).pathname.replace(/\/+$/, '');
  } catch {
    return null;
  }
  const own = /(\/slack\/events|\/webhooks\/wavix(?:\/.*)?|\/healthz|\/metrics)$/i.exec(path)?.[1];
  if (!own) return null;
  const ownPath = own.replace(/(\/webhooks\/wavix)\/.*/i, '$1/…');
  return `PUBLIC_BASE_URL ends in ${ownPath}, a path smsops serves itself: it is the address smsops is reached at, without ${ownPath} (smsops puts its webhook paths after it, so Wavix would post each SMS to …${ownPath}/webhooks/wavix/…, where nothing answers); remove ${ownPath} from PUBLIC_BASE_URL`;
}
