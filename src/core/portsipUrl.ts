import { isHttpUrl } from './urls.js';

/**
 * Why a pasted PortSIP URL cannot be right, or null. Spaces inside the path are PortSIP's own ("Wavix - US"); a
 * space at the end, a `#` (a fragment is never sent to the server: `…/<uuid>#inbox` would post to `…/<uuid>`) or
 * another kind of whitespace (the URL parser drops tabs and line breaks silently) means something was pasted with it.
 * The same rule holds for `/sms route set` and for PORTSIP_WEBHOOK_URL (the last fallback route).
 */
export function portsipUrlProblem(url: string, where: 'route' | 'environment' = 'route'): string | null {
  if (/\s$/.test(url) || /%20$/i.test(url)) {
    return 'it ends with a space. PortSIP’s webhook URL ends with its configuration’s ID: copy it again without the space.';
  }
  if (/[^\S ]/.test(url)) return 'it contains a tab or a line break. Copy it again from PortSIP, on one line.';
  if (url.includes('#')) {
    return where === 'route'
      ? 'it contains `#`: what follows `#` is a fragment, which is never sent to PortSIP. To name a channel, put a space before `#channel`.'
      : 'it contains `#`: what follows `#` is a fragment, which is never sent to PortSIP. Set the URL alone (a channel is named per route: `/sms route set default <URL> #channel`).';
  }
  if (!isHttpUrl(url)) return 'it is not an http(s) URL. Copy it from PortSIP: Message Channels → SMS/MMS → Copy Webhook.';
  return null;
}

/**
 * Why a stored route's URL cannot be right, or null: the rule above, for a route saved before it held (an older
 * smsops kept ` #channel`, typed after the URL as its README showed, in the URL, and the relay posts to `…/<ID>%20`).
 * Reported at start, in `/sms route list` and by `/sms doctor`, never rewritten: which channel was meant is not ours
 * to guess.
 */
export function storedPortsipUrlProblem(url: string): string | null {
  const problem = portsipUrlProblem(url);
  if (problem === null) return null;
  if (/ #\S*$/.test(url)) {
    return 'it ends with ` #…`: an older smsops kept the channel typed after the URL as part of the URL, so the relay posts to it with `%20` after PortSIP’s ID, which PortSIP does not know. Set the route again: `/sms route set <number> <URL> #channel`.';
  }
  return `${problem} It was saved before smsops checked this: set the route again with \`/sms route set\`.`;
}

/** The stored routes whose PortSIP URL cannot be right, each with why (storedPortsipUrlProblem). */
export function storedRouteProblems(
  routes: ReadonlyArray<{ number: string; portsipUrl: string | null }>,
): Array<{ number: string; url: string; problem: string }> {
  return routes.flatMap((route) => {
    const problem = route.portsipUrl === null ? null : storedPortsipUrlProblem(route.portsipUrl);
    return route.portsipUrl !== null && problem !== null ? [{ number: route.number, url: route.portsipUrl, problem }] : [];
  });
}
