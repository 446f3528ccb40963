import { checkDestinationUrl } from './destinationUrls.js';

/**
 * Why Wavix could not post to smsops at PUBLIC_BASE_URL (or a URL built on it), for people; null when it may. Wavix
 * calls from the internet, so a loopback or private host reaches only a Wavix stand-in on this host or network (the
 * sandbox's emulator, a test rig): warned about, never refused, so those keep working.
 */
export function publicBaseUnreachable(url: string): string | null {
  const checked = checkDestinationUrl(url, 'wavix');
  if (checked.ok && checked.value.note === null) return null;
  const host = checked.ok ? `is a ${checked.value.note}` : 'is not an address Wavix can reach from the internet';
  return `PUBLIC_BASE_URL's host ${host}; set PUBLIC_BASE_URL to the address where the internet reaches smsops`;
}
