import { checkDestinationUrl } from './destinationUrls.js';

/**
 * Why Wavix could not post to smsops at PUBLIC_BASE_URL (or a URL built on it), for people; null when it may. Wavix
 * calls from the internet, so a loopback or private host reaches only a Wavix stand-in on this host or network (the
 * sandbox's emulator, a test rig): warned about, never refused, so those keep working.
 */
export function publicBaseUnreachable(url: string): string | null {
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
