import { renderBlocks } from './blocks.js';
import { api, byId, clock, el, mrkdwn, names } from './dom.js';
import type { ActionRequest, FeedItem } from './types.js';

const channelLabel = (id: string | null): string => {
  if (!id) return '';
  if (/^[UW]/.test(id)) return 'Direct message';
  return `#${names.channels[id] ?? id}`;
};

function renderFile(item: FeedItem): HTMLElement {
  const body = el('div', { class: 'blocks' });
  if (item.text) body.append(el('div', { class: 'mrkdwn', html: mrkdwn(item.text) }));
  const file = item.file;
  if (!file) return body;
  const href = `/sandbox/api/files/${encodeURIComponent(file.id)}`;
  const figure = el('figure', { class: 'attachment' });
  if (file.mimetype.startsWith('image/')) figure.append(el('img', { src: href, alt: file.title }));
  else figure.append(el('a', { href, download: file.filename, text: file.filename }));
  figure.append(el('figcaption', { text: `${file.title} · ${file.filename} · ${file.size} bytes` }));
  body.append(figure);
  return body;
}

/** The channel whose threads take replies (set from the workspace on the first poll). */
export const threadReplies = { channel: '' };
/** What the person is typing in each thread's reply box, kept while the feed is drawn again. */
const drafts = new Map<number, string>();

/** "Reply in thread": smsops sends a reply in a relayed SMS's thread to the customer as an SMS. */
function replyForm(item: FeedItem): HTMLElement {
  const input = el('input', {
    name: 'text',
    placeholder: 'Reply in thread (sent as an SMS)…',
    'aria-label': 'Reply in thread',
    autocomplete: 'off',
  });
  input.value = drafts.get(item.id) ?? '';
  input.addEventListener('input', () => drafts.set(item.id, input.value));
  const button = el('button', { type: 'submit', text: 'Reply' });
  const form = el('form', { class: 'thread-reply', 'data-item-id': item.id }, input, button);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value;
    if (text.trim() === '') return;
    button.disabled = true;
    api(`items/${item.id}/reply`, { text })
      .then(() => drafts.delete(item.id))
      .catch((error: unknown) => {
        input.setCustomValidity(error instanceof Error ? error.message : String(error));
        input.reportValidity();
      })
      .finally(() => {
        button.disabled = false;
      });
  });
  return form;
}

/** `channelCopy`: a broadcast thread reply drawn again in the channel, as Slack shows "replied to a thread". */
function renderItem(item: FeedItem, replies: FeedItem[], channelCopy = false): HTMLElement {
  const send = (action: ActionRequest) => api(`items/${item.id}/actions`, action);
  if (item.kind === 'note') {
    return el('div', {
      class: `item kind-note${item.tone === 'error' ? ' error' : ''}`,
      'data-kind': 'note',
      text: `sandbox: ${item.text}`,
    });
  }
  const fromYou = item.kind === 'command';
  const meta = el(
    'div',
    { class: 'meta' },
    el('span', { class: 'who', text: fromYou ? (item.by ?? 'you') : 'smsops' }),
    fromYou ? null : el('span', { class: 'tag', text: 'App' }),
    el('span', { class: 'where', text: channelLabel(item.channel) }),
    el('span', { text: clock(item.at) }),
    item.kind === 'reply' ? el('span', { class: 'only-you', text: 'Only visible to you' }) : null,
    channelCopy ? el('span', { class: 'only-you', text: 'replied to a thread' }) : null,
  );
  let body: HTMLElement;
  if (fromYou) body = el('div', { class: 'body', text: item.text });
  else if (item.kind === 'file') body = renderFile(item);
  else body = renderBlocks(item.blocks, item.text, send);
  const content = el('div', {}, meta, body, item.edited ? el('span', { class: 'edited', text: '(edited)' }) : null);
  const takesReplies = item.kind === 'message' && !item.threadTs && item.ts && item.channel === threadReplies.channel;
  if (replies.length > 0 || takesReplies) {
    content.append(
      el(
        'div',
        { class: 'thread' },
        replies.map((reply) => renderItem(reply, [])),
        takesReplies ? replyForm(item) : null,
      ),
    );
  }
  return el(
    'div',
    {
      class: `item kind-${item.kind}`,
      'data-kind': item.kind,
      'data-channel': item.channel ? (names.channels[item.channel] ?? item.channel) : undefined,
      'data-item-id': item.id,
      'data-broadcast': channelCopy ? 'true' : undefined,
    },
    el('div', { class: 'avatar', text: fromYou ? 'Y' : 'S', 'aria-hidden': 'true' }),
    content,
  );
}

/** The channel feed, replies under their thread's parent; it follows new items only if already at the bottom. */
export function renderFeed(items: FeedItem[]): void {
  const feed = byId('feed');
  const nearBottom = feed.scrollHeight - feed.scrollTop - feed.clientHeight < 80;
  const parents = new Map(items.filter((i) => i.ts && !i.threadTs).map((i) => [`${i.channel} ${i.ts}`, i]));
  const replies = new Map<number, FeedItem[]>();
  const top: FeedItem[] = [];
  for (const item of items) {
    const parent = item.threadTs ? parents.get(`${item.channel} ${item.threadTs}`) : undefined;
    if (parent) replies.set(parent.id, [...(replies.get(parent.id) ?? []), item]);
    if (!parent || item.broadcast) top.push(item);
  }
  feed.replaceChildren(
    ...(top.length === 0 ? [el('p', { class: 'empty', html: 'Type <code>/sms help</code> below to begin.' })] : []),
    ...top.map((item) =>
      item.threadTs && item.broadcast && parents.has(`${item.channel} ${item.threadTs}`)
        ? renderItem(item, [], true)
        : renderItem(item, replies.get(item.id) ?? []),
    ),
  );
  if (nearBottom) feed.scrollTop = feed.scrollHeight;
}
