import { isHttpUrl } from './urls.js';

/**
 * Why a pasted PortSIP URL cannot be right, or null. Spaces inside the path are PortSIP's own ("Wavix - US"); a
 * space at the end, a `#` (a fragment is never sent to the server: `…/<uuid>#inbox` would post to `…/<uuid>`) or
 * another kind of whitespace (the URL parser drops tabs and line breaks silently) means something was pasted with it.
 * The same rule holds for `/sms route set` and for PORTSIP_WEBHOOK_URL (the last fallback route).
 */
export function portsipUrlProblem(url: string): string | null {
  if (/\s$/.test(url) || /%20$/i.test(url)) {
    return 'it ends with a space. PortSIP’s webhook URL ends with its configuration’s ID: copy it again without the space.';
  }
  if (/[^\S ]/.test(url)) return 'it contains a tab or a line break. Copy it again from PortSIP, on one line.';
  if (url.includes('#')) {
    return 'it contains `#`: what follows `#` is a fragment, which is never sent to PortSIP. To name a channel, put a space before `#channel`.';
  }
  if (!isHttpUrl(url)) return 'it is not an http(s) URL. Copy it from PortSIP: Message Channels → SMS/MMS → Copy Webhook.';
  return null;
}
