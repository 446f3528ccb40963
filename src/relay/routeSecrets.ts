/**
 * The credentials a route URL carries (its user and password, its query values), to be cut from what PortSIP answers
 * before the answer is stored: an admin reads that excerpt next to the URL shown masked (`maskUrl`), and a PBX that
 * quotes the request ("bad credentials u:pw token=tok") would otherwise show what the mask hides.
 */

const MASK = '…';

/** Shorter than this, a value is cut only where it stands alone: `u` must not cut every u of "Unauthorized". */
const WHOLE_WORD_BELOW = 8;

const decoded = (text: string, plusIsSpace = false) => {
  try {
    return decodeURIComponent(plusIsSpace ? text.replaceAll('+', ' ') : text);
  } catch {
    return text; // a stray `%` is sent, and may be quoted, as it is
  }
};

/** Every spelling of the URL's credentials PortSIP may quote back, longest first. */
export function routeSecrets(url: URL): string[] {
  const values: string[] = [];
  const spellings = (raw: string, plusIsSpace = false) => [raw, decoded(raw, plusIsSpace)];
  if (url.username || url.password) {
    const pair = `${decoded(url.username)}:${decoded(url.password)}`;
    values.push(
      `${url.username}:${url.password}`,
      pair,
      Buffer.from(pair).toString('base64'),
      ...spellings(url.password),
      ...spellings(url.username),
    );
  }
  for (const field of url.search.slice(1).split('&')) {
    const eq = field.indexOf('=');
    if (eq >= 0) values.push(...spellings(field.slice(eq + 1), true));
  }
  return [...new Set(values.filter((value) => value !== ''))].sort((a, b) => b.length - a.length);
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `text` with each of `secrets` (from `routeSecrets`) replaced by `…`; a short one only where it is a word of its own. */
export function withoutRouteSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!out.includes(secret)) continue;
    out =
      secret.length >= WHOLE_WORD_BELOW
        ? out.split(secret).join(MASK)
        : out.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escaped(secret)}(?![\\p{L}\\p{N}])`, 'gu'), MASK);
  }
  return out;
}
