/**
 * What a person typed, from the `text` of a Slack message event. Slack sends that text as mrkdwn: `&`, `<` and `>`
 * arrive as `&amp;`, `&lt;`, `&gt;`, and links, mentions and channel names as `<…>` tokens (Slack's "formatting
 * text" reference). An SMS must carry what the person wrote, so the tokens are turned back:
 * - `<https://example.com|example.com>` (Slack linked what was typed) → `example.com`; `<mailto:a@b.c|a@b.c>` →
 *   `a@b.c`; `<https://example.com>` → the URL; a link whose label is other text (made with the formatting
 *   toolbar) → `label (URL)`, so the customer gets the address too (`<mailto:a@b.c|our team>` → `our team (a@b.c)`);
 * - `<@U123|name>` → `@name`; `<@U123>` → `@` and the person's name from the directory, else `@someone` (the
 *   customer has no use for a Slack id); `<#C123|name>` → `#name`; `<#C123>` → the channel's name, else `#channel`;
 *   `<!here>` → `@here`; `<!date^…|fallback>` → its fallback; `<!subteam^S123|@team>` → `@team`, `<!subteam^S123>`
 *   → `@group` (the customer has no use for "@subteam", Slack's word for a user group);
 * - then the three entities, last, since `&amp;lt;` is what a typed `&lt;` looks like.
 * Formatting a person typed (`*bold*`, `_italic_`) is in the text as typed and stays; code, from the blocks, goes
 * without its backticks (richTextMarkup.ts).
 * With the event's rich_text `blocks`, the mrkdwn is rebuilt from them (richTextMarkup.ts), since only they hold an
 * emoji's Unicode where `text` has its `:shortcode:`; `text` is used when there are none or they hold other kinds.
 */

import type { WorkspaceDirectory } from '../core/ports/directory.js';
import { type GroupHandles, markupFromBlocks } from './richTextMarkup.js';

const TOKEN = /<([^<>]*)>/g;

/** Names of the people and channels mentioned without a label, by id. */
export interface MentionNames {
  users: ReadonlyMap<string, string>;
  channels: ReadonlyMap<string, string>;
}

const NO_NAMES: MentionNames = { users: new Map(), channels: new Map() };

const decodeEntities = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function untoken(inner: string, names: MentionNames): string {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : inner.slice(bar + 1);
  if (target.startsWith('@')) return `@${label ?? names.users.get(target.slice(1)) ?? 'someone'}`;
  if (target.startsWith('#')) return `#${label ?? names.channels.get(target.slice(1)) ?? 'channel'}`;
  if (target.startsWith('!')) {
    if (label !== undefined) return label;
    const special = target.slice(1).split('^')[0] ?? '';
    return special === 'subteam' ? '@group' : `@${special}`;
  }
  if (target.startsWith('mailto:')) {
    // Like a web link's: a label of other words ("our support team") alone left the customer no address to write to.
    const address = target.slice('mailto:'.length);
    if (label === undefined || label === '' || label.toLowerCase() === address.toLowerCase()) return label || address;
    return `${label} (${address})`;
  }
  if (label === undefined || label === '') return target;
  const bare = target.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/$/, '');
  if (label === target || label === bare || label.replace(/\/$/, '') === bare) return label;
  return `${label} (${target})`;
}

/** The handles `text` gives its user groups (`<!subteam^S123|@team>`), for the blocks, which name only the id. */
function groupHandles(slackText: string): GroupHandles {
  const handles = new Map<string, string>();
  for (const [, id = '', handle = ''] of slackText.matchAll(/<!subteam\^([^|<>]+)\|([^<>]+)>/g)) handles.set(id, handle);
  return handles;
}

const markupOf = (slackText: string, blocks: unknown) =>
  blocks === undefined ? slackText : (markupFromBlocks(blocks, groupHandles(slackText)) ?? slackText);

export function typedText(slackText: string, names: MentionNames = NO_NAMES, blocks?: unknown): string {
  return decodeEntities(markupOf(slackText, blocks).replace(TOKEN, (_, inner: string) => untoken(inner, names)));
}

/** Slack's special mentions that notify people (`<!here>`, `<!channel>`, `<!everyone>`, a user group `<!subteam^…>`). */
const NOTIFYING = new Set(['here', 'channel', 'everyone', 'subteam']);

/**
 * Whether the message mentions people: a person, a user group, `@here`/`@channel`/`@everyone`. Mentioning someone
 * notifies them in Slack: the message is written to colleagues ("@Bob can you take this one?"), not to the customer.
 * A date or a channel name is no one. A typed `<@U1>` arrives as `&lt;@U1&gt;`, no token.
 */
export function mentionsPeople(slackText: string, blocks?: unknown): boolean {
  for (const [, inner = ''] of markupOf(slackText, blocks).matchAll(TOKEN)) {
    if (inner.startsWith('@') && inner.length > 1) return true;
    if (inner.startsWith('!') && NOTIFYING.has(inner.slice(1).split(/[\^|]/)[0] ?? '')) return true;
  }
  return false;
}

/**
 * A link into the team's own Slack: a file (`acme.slack.com/files/…`, anything on files.slack.com: `files-pri`, and
 * `files-tmb`, the thumbnail "Copy image address" gives in the web client), a message (`/archives/…`), a canvas or
 * list, the web client, a huddle, a person's profile (`/team/U…`). Only the workspace's members can open it (a
 * file's public link is on slack-files.com, which this leaves alone), and it names the workspace, the uploader's id
 * and the file. Slack's public sites (api., www., status., and slack.com itself: help articles) and invitations
 * (join.slack.com, `/join/shared_invite`) are the customer's to open. A port or a trailing dot on the host is the
 * same place.
 */
const INTO_SLACK =
  /^https?:\/\/(?:files\.slack\.com\.?(?::\d+)?\/|(?!(?:api|www|status|join)\.)(?:[a-z0-9-]+\.)+slack\.com\.?(?::\d+)?\/(?:files|files-[a-z]+|archives|docs|lists|canvas|client|huddle|team)(?:[/?#]|$))/i;

/**
 * Whether the message links into the team's Slack (see INTO_SLACK): a colleague pasting a photo's Slack link for the
 * customer, who would get a link they cannot open, while the thread read "Sent" as if the photo had gone.
 */
export function linksIntoSlack(slackText: string, blocks?: unknown): boolean {
  for (const [, inner = ''] of markupOf(slackText, blocks).matchAll(TOKEN)) {
    const target = decodeEntities(inner.split('|')[0] ?? '');
    if (INTO_SLACK.test(target)) return true;
  }
  return false;
}

/** Ids of the unlabelled `<@U…>` and `<#C…>` tokens in a message's text. */
function unlabelledMentions(slackText: string): { users: Set<string>; channels: Set<string> } {
  const users = new Set<string>();
  const channels = new Set<string>();
  for (const [, inner = ''] of slackText.matchAll(TOKEN)) {
    if (inner.includes('|')) continue;
    if (inner.startsWith('@') && inner.length > 1) users.add(inner.slice(1));
    if (inner.startsWith('#') && inner.length > 1) channels.add(inner.slice(1));
  }
  return { users, channels };
}

/** `typedText` with the people and channels mentioned by id named from the directory (a failed look-up falls back). */
export async function typedTextNamed(
  slackText: string,
  directory: Pick<WorkspaceDirectory, 'userName' | 'channelName'>,
  blocks?: unknown,
): Promise<string> {
  const markup = markupOf(slackText, blocks);
  const mentioned = unlabelledMentions(markup);
  const lookUp = async (ids: Set<string>, nameOf: (id: string) => ReturnType<WorkspaceDirectory['userName']>) => {
    const named = await Promise.all(
      [...ids].map(async (id) => {
        const name = await nameOf(id).catch(() => undefined);
        return name?.ok ? ([[id, name.value]] as const) : [];
      }),
    );
    return new Map<string, string>(named.flat());
  };
  const [users, channels] = await Promise.all([
    lookUp(mentioned.users, (id) => directory.userName(id)),
    lookUp(mentioned.channels, (id) => directory.channelName(id)),
  ]);
  return typedText(markup, { users, channels });
}
