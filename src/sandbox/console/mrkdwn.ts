/**
 * Slack mrkdwn → HTML for the sandbox console. Pure (no DOM), so it is unit-tested outside the browser; the page
 * puts its output in innerHTML, so it must never let text from smsops or from an SMS become markup.
 */
import { emojify } from './emoji.js';

/** Who `<@U…>` and `<#C…>` name; unknown ids show the control's label, else the id itself. */
export interface MentionNames {
  users: Record<string, string>;
  channels: Record<string, string>;
}

const SLACK_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>' };

export const escapeHtml = (text: unknown): string =>
  String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Slack's three entities stand for literal characters: `&lt;b&gt;` is the text "<b>", never markup. */
const decodeSlackEntities = (text: unknown): string =>
  String(text).replace(/&(amp|lt|gt);/g, (_, name: string) => SLACK_ENTITIES[name] ?? '');

/** Text for the page: Slack's entities decoded, then HTML-escaped. */
const literal = (text: unknown): string => escapeHtml(decodeSlackEntities(text));

const chip = (kind: string, label: string) => `<span class="chip chip-${kind}">${literal(label)}</span>`;

/** One `<…>` control sequence: a mention, a special mention, a date, or a link (only http(s) and mailto links). */
function renderControl(inner: string, names: MentionNames): string {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? null : inner.slice(bar + 1);
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return chip('user', `@${names.users[id] ?? label ?? id}`);
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return chip('channel', `#${names.channels[id] ?? label ?? id}`);
  }
  if (target.startsWith('!')) {
    const command = target.slice(1);
    if (['channel', 'here', 'everyone'].includes(command)) return chip('broadcast', `@${command}`);
    if (command.startsWith('subteam^')) return chip('user', label ?? '@group');
    return literal(label ?? '');
  }
  const url = decodeSlackEntities(target);
  if (/^(https?:\/\/|mailto:)/i.test(url)) {
    return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${literal(label ?? target)}</a>`;
  }
  return literal(label ?? target);
}

const NO_NAMES: MentionNames = { users: {}, channels: {} };

/**
 * Slack mrkdwn → safe HTML. Code and `<…>` controls are rendered first and held aside; the rest is decoded from
 * Slack's entities and HTML-escaped before *bold*, _italic_, ~strike~ and :emoji: are applied to it, so no text
 * can become markup.
 */
export function renderMrkdwn(source: unknown, names: MentionNames = NO_NAMES): string {
  const held: string[] = [];
  // Private-use characters mark held-aside HTML; any in the source are dropped so text cannot forge a marker.
  const hold = (html: string) => {
    held.push(html);
    return `\uE000${held.length - 1}\uE001`;
  };
  let text = String(source ?? '').replace(/[\uE000\uE001]/g, '');
  text = text.replace(/```([\s\S]*?)```/g, (_, code: string) =>
    hold(`<pre class="code">${literal(code.replace(/^\n/, ''))}</pre>`),
  );
  text = text.replace(/`([^`\n]+)`/g, (_, code: string) => hold(`<code>${literal(code)}</code>`));
  text = text.replace(/<([^<>\n]*)>/g, (_, inner: string) => hold(renderControl(inner, names)));
  text = literal(text);
  text = text.replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?!\w)/g, '$1<b>$2</b>');
  text = text.replace(/(^|[^\w_])_(?=\S)([^_\n]*?\S)_(?!\w)/g, '$1<i>$2</i>');
  text = text.replace(/(^|[^\w~])~(?=\S)([^~\n]*?\S)~(?!\w)/g, '$1<s>$2</s>');
  text = emojify(text).replace(/\n/g, '<br>');
  return text.replace(/\uE000(\d+)\uE001/g, (_, i: string) => held[Number(i)] ?? '');
}
