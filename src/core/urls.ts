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

const SHOWN_TOKEN_CHARS = 4;
const MASK = '…';

/**
 * A path segment that reads as a credential rather than a name: long without spaces, or mixing letters with digits
 * (a UUID, a key). Percent-encodings are read as the characters they stand for, so "Wavix%20-%20US" stays a name.
 */
function looksLikeToken(segment: string): boolean {
  const text = segment.replace(/%[0-9A-Fa-f]{2}/g, ' ');
  if (/\s/.test(text)) return false;
  if (text.length >= 16) return true;
  return text.length >= 8 && /\d/.test(text) && /[A-Za-z]/.test(text);
}

const maskToken = (token: string) => `${token.slice(0, SHOWN_TOKEN_CHARS)}${MASK}`;

/**
 * A URL whose path must stay readable (the Request URL Slack must be given): only its userinfo is cut, to `…@`, since a
 * password there is as secret as one anywhere else (it would stay in the logs after being changed).
 */
export function maskUserinfo(raw: string): string {
  return raw.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/s, `$1${MASK}@`);
}

/**
 * A URL as it may be shown in Slack or written to a log, whatever its shape. Credentials are cut:
 * - the userinfo (`user:password@`), entirely;
 * - the last non-empty path segment when it has 6 characters or more (smsops' webhook secret, PortSIP's
 *   per-configuration UUID), and any other segment that looks like a token, down to its first 4 characters — with a
 *   trailing slash, dots or any other character in it;
 * - every query value (`?token=…`), and the fragment.
 * Works on the text as pasted (PortSIP's URLs have spaces), so a value that is not a valid URL is masked the same way.
 */
export function maskUrl(raw: string): string {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)?([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/s.exec(asParsed(raw));
  if (!match) return MASK;
  const [, scheme = '', authority = '', path = '', query, fragment] = match;
  const at = authority.lastIndexOf('@');
  const host = at >= 0 ? `${MASK}@${authority.slice(at + 1)}` : authority;
  const segments = path.split('/');
  let last = segments.length - 1;
  while (last >= 0 && segments[last] === '') last -= 1;
  const maskedPath = segments
    .map((segment, i) => ((i === last && segment.length >= 6) || looksLikeToken(segment) ? maskToken(segment) : segment))
    .join('/');
  const maskedQuery =
    query === undefined
      ? ''
      : `?${query
          .slice(1)
          .split('&')
          .map((pair) => {
            const eq = pair.indexOf('=');
            if (eq < 0) return looksLikeToken(pair) ? maskToken(pair) : pair;
            return `${pair.slice(0, eq)}=${MASK}`;
          })
          .join('&')}`;
  return `${scheme}${host}${maskedPath}${maskedQuery}${fragment === undefined ? '' : `#${MASK}`}`;
}

/**
 * In an http(s) URL the parser reads `\\` before the query as `/` (`https://u:p@pbx\\emc\\x\\<token>` is
 * `/emc/x/<token>` on pbx): shown the same way, the token is where the masking expects it and the host is the real one.
 */
function asParsed(raw: string): string {
  if (!/^(?:https?|wss?|ftp):/i.test(raw)) return raw;
  const end = raw.search(/[?#]/);
  const head = end < 0 ? raw : raw.slice(0, end);
  return `${head.replace(/\\/g, '/')}${end < 0 ? '' : raw.slice(end)}`;
}
