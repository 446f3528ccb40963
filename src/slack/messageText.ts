/**
 * What a person typed, from the `text` of a Slack message event. Slack sends that text as mrkdwn: `&`, `<` and `>`
 * arrive as `&amp;`, `&lt;`, `&gt;`, and links, mentions and channel names as `<…>` tokens (Slack's "formatting
 * text" reference). An SMS must carry what the person wrote, so the tokens are turned back:
 * - `<https://example.com|example.com>` (Slack linked what was typed) → `example.com`; `<mailto:a@b.c|a@b.c>` →
 *   `a@b.c`; `<https://example.com>` → the URL; a link whose label is other text (made with the formatting
 *   toolbar) → `label (URL)`, so the customer gets the address too;
 * - `<@U123|name>` / `<@U123>` → `@name` / `@U123`; `<#C123|name>` → `#name`; `<!here>` → `@here`;
 *   `<!date^…|fallback>` → its fallback;
 * - then the three entities, last, since `&amp;lt;` is what a typed `&lt;` looks like.
 * Formatting a person typed (`*bold*`, `_italic_`) is in the text as typed and stays.
 */

const TOKEN = /<([^<>]*)>/g;

const decodeEntities = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function untoken(inner: string): string {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : inner.slice(bar + 1);
  if (target.startsWith('@')) return `@${label ?? target.slice(1)}`;
  if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
  if (target.startsWith('!')) {
    if (label !== undefined) return label;
    const special = target.slice(1).split('^')[0] ?? '';
    return `@${special}`;
  }
  if (target.startsWith('mailto:')) return label ?? target.slice('mailto:'.length);
  if (label === undefined || label === '') return target;
  const bare = target.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/$/, '');
  if (label === target || label === bare || label.replace(/\/$/, '') === bare) return label;
  return `${label} (${target})`;
}

export function typedText(slackText: string): string {
  return decodeEntities(slackText.replace(TOKEN, (_, inner: string) => untoken(inner)));
}
