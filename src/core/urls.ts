/**
 * URLs as people paste them. PortSIP's inbound webhook URLs have spaces in their path (".../sms/Wavix - Asia/<uuid>"),
 * so they are stored exactly as copied and percent-encoded only at the moment a request is made.
 */
export function encodeCopiedUrl(raw: string): string {
  return raw.replaceAll(' ', '%20');
}

/** Whether a pasted value is an http(s) URL once its spaces are encoded. */
export function isHttpUrl(raw: string): boolean {
  try {
    const url = new URL(encodeCopiedUrl(raw));
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * A webhook URL as it may be shown in Slack: the last path segment of a URL is its credential (smsops' webhook
 * secret, PortSIP's per-configuration UUID), so only its first characters are kept.
 */
export function maskUrlToken(raw: string): string {
  const match = /^(.*\/)([^/?#]+)([?#].*)?$/.exec(raw);
  if (!match) return raw;
  const [, head = '', token = ''] = match;
  if (token.length < 12 || !/^[\w-]+$/.test(token)) return `${head}${token}`;
  return `${head}${token.slice(0, 4)}…`;
}
