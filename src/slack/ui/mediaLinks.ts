import { clip, code, escapeInline } from './text.js';

/**
 * An MMS's media URLs as Slack shows them: in its post (a line of links) and in `/sms inbox <Wavix id>` (one a line).
 * Only http(s) URLs become links, labelled by what they are ("media 2"), with the characters that could break out of
 * a link escaped; anything else (`javascript:`, `data:`, a line break of its own) is shown as text that cannot format
 * itself. A URL is never cut (a cut link would lead elsewhere): one too long for a post is counted, not shown.
 */

/** Longer, a link is not shown (a section holds 3,000 characters; Slack's own link limit is undocumented). */
export const MEDIA_LINK_MAX = 1_000;

/**
 * A URL as the target of a mrkdwn link: `&`, `<`, `>` and `|` would end it or make an entity of it, and white space
 * or a control character (a line break) would leave the rest shown as text that formats itself; all percent-encoded.
 */
const linkTarget = (url: string) => url.replace(/&/g, '&amp;').replace(/[<>|\s\p{Cc}]/gu, (c) => encodeURIComponent(c));

/** One media item as shown, or null when it is too long to be shown whole. */
function mediaItem(url: string, index: number): string | null {
  const label = `media ${index + 1}`;
  // Whatever Wavix put there (a line break, `*` around words of its own) stays on the media line, unformatted.
  const shown = /^https?:\/\//i.test(url) ? `<${linkTarget(url)}|${label}>` : `${label}: ${escapeInline(clip(url, 100))}`;
  return shown.length > MEDIA_LINK_MAX ? null : shown;
}

/** The command that lists a message's media, as a post names it. */
const inboxCommand = (wavixMessageId: string) => code(`/sms inbox ${clip(wavixMessageId, 100)}`);

/**
 * The media line of a post: links while they fit `budget`, then how many more and the command that lists them (the
 * message's own `/sms inbox <id>`, which shows each one; the bare `/sms inbox` shows only how many there are).
 */
export function mediaLine(media: readonly string[] | null, budget: number, wavixMessageId: string): string {
  if (!media || media.length === 0) return '';
  const links: string[] = [];
  let length = 0;
  let left = 0;
  let full = false;
  for (const [i, url] of media.entries()) {
    // One too long is counted and the next ones still shown; once the budget is spent, the rest are counted.
    const item = full ? null : mediaItem(url, i);
    if (item !== null && length + item.length + 60 > budget) full = true;
    if (item === null || full) {
      left += 1;
      continue;
    }
    links.push(item);
    length += item.length + 3;
  }
  if (left > 0) links.push(`${left} more media (${inboxCommand(wavixMessageId)})`);
  return links.join(' · ');
}

/**
 * Every media item of one message, one a line, for `/sms inbox <Wavix id>`: as many as `budget` holds, then how many
 * more; a URL too long for Slack is named with its length. Either way PortSIP is sent the list whole, as Wavix sent it.
 */
export function mediaList(media: readonly string[], budget: number): string {
  const lines: string[] = [];
  let length = 0;
  for (const [i, url] of media.entries()) {
    const line = `• ${mediaItem(url, i) ?? `media ${i + 1}: a URL of ${url.length.toLocaleString('en-US')} characters, too long to show in Slack`}`;
    const more = media.length - i;
    if (length + line.length + 80 > budget) {
      lines.push(`• ${more} more not shown here (a Slack message holds only so much)`);
      break;
    }
    lines.push(line);
    length += line.length + 1;
  }
  // Whether PortSIP has them yet is the Deliveries section's to say: only that it is sent them all, unchanged.
  return `*Media* (PortSIP is sent ${media.length === 1 ? 'it' : 'them all'} as Wavix posted ${media.length === 1 ? 'it' : 'them'})\n${lines.join('\n')}`;
}
