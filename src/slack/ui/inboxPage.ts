import type { DeliveryStatus } from '../../core/model/delivery.js';
import { maskUrl } from '../../core/urls.js';
import type { InboxDelivery, InboxLine, InboxReading, TextHidden } from '../../relay/inboxReading.js';
import { INBOX_PAGED_AT_MOST } from '../../relay/operations.js';
import { blockTextLength, receivedWhen } from './inboundSms.js';
import { replyLineBlock } from './inboxReply.js';
import { type ListPage, pageFooter, paginate } from './pages.js';
import { person } from './relay.js';
import { characterCount, smsTextBlocks } from './smsText.js';
import { type Block, code, context, escapeMrkdwn, type SlackMessage, section, slackTime } from './text.js';

// A page of `/sms inbox`: the recent inbound SMS of a number (or of all), each with its deliveries' states.

export const DELIVERY_ICON: Record<DeliveryStatus, string> = {
  delivered: ':white_check_mark:',
  pending: ':hourglass_flowing_sand:',
  in_flight: ':arrows_counterclockwise:',
  dead: ':rotating_light:',
};

const attemptCount = (n: number) => `${n} attempt${n === 1 ? '' : 's'}`;

/** A delivery's state in words, with its attempts and, once delivered, when ("delivered 22:38 UTC (1 attempt)"). */
function deliveryState(d: InboxDelivery): string {
  const attempts = d.attempts ?? 0;
  switch (d.status) {
    case 'delivered':
      return `delivered${d.deliveredAt ? ` ${slackTime(d.deliveredAt)}` : ''}${attempts > 0 ? ` (${attemptCount(attempts)})` : ''}`;
    case 'in_flight':
      // `attempts` counts the finished ones: this is the next.
      return `being sent (attempt ${attempts + 1})`;
    case 'pending':
      return attempts === 0 ? 'waiting to be sent' : `waiting to be tried again, ${attemptCount(attempts)} failed`;
    case 'dead':
      return `dead after ${attemptCount(attempts)}`;
  }
}

/** ":white_check_mark: PortSIP to `https://pbx/…/a558…`: delivered 22:38 UTC (1 attempt)". */
export function deliveryLine(d: InboxDelivery): string {
  const where = d.kind === 'portsip' ? 'PortSIP' : 'Slack';
  const why = d.answer ? ` (${escapeMrkdwn(d.answer)})` : '';
  const to = d.destination ? (d.kind === 'portsip' ? ` to ${code(maskUrl(d.destination))}` : ` in <#${d.destination}>`) : '';
  return `${DELIVERY_ICON[d.status]} ${where}${to}: ${deliveryState(d)}${why}`;
}

export function hiddenText(hidden: TextHidden): string {
  const where = hidden.channel ? `<#${hidden.channel}>` : 'no channel';
  return hidden.reason === 'not-member'
    ? `_text hidden: you are not in ${where}, where it was posted_`
    : `_text hidden: smsops could not check that you are in ${where} (${escapeMrkdwn(hidden.why)})_`;
}

/**
 * Characters of each message's text in `/sms inbox`: a page's ten lines and their headers fit Slack's message budget at
 * the first; a page that would not (long delivery answers, escaped headers) is shown at the next, then with none.
 */
const INBOX_EXCERPTS = [600, 200, 0];

/** One inbound message of `/sms inbox`: its line (mrkdwn), then its text, literal (as in its post), or why it is hidden. */
function lineBlocks(line: InboxLine, excerptUnits: number): Block[] {
  const from = line.fromNumber === null ? '_hidden sender_' : `*${person(line.fromNumber)}*`;
  const text = line.hidden ? '' : (line.text ?? '');
  const excerpt = smsTextBlocks(text, { maxUnits: excerptUnits, maxBlocks: excerptUnits > 0 ? 1 : 0 });
  const characters = `${characterCount(text).toLocaleString('en-US')} characters`;
  const length =
    excerpt.left === 0
      ? ''
      : excerpt.blocks.length > 0
        ? `, ${characters} (the first ${excerptUnits} below; the whole text is in its Slack post)`
        : `, ${characters} (the text is in its Slack post)`;
  const body = line.hidden ? `\n${hiddenText(line.hidden)}` : text ? '' : '\n_(no text)_';
  return [
    section(
      `${from} → ${person(line.toNumber)} · ${receivedWhen(line)} · ${line.messageType.toUpperCase()}${
        line.mediaCount > 0 ? ` (${line.mediaCount} media)` : ''
      }${length}${body}\n${line.deliveries.map(deliveryLine).join(' · ') || '_no destination_'} · id ${code(line.wavixMessageId)}`,
    ),
    ...excerpt.blocks,
  ];
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** "2 received, 3 replies": both directions, named. */
function inboxCounts(lines: InboxReading['lines']): string {
  const received = lines.filter((l) => l.direction === 'inbound').length;
  return `${received} received, ${plural(lines.length - received, 'reply', 'replies')}`;
}

const WITHHELD =
  'hidden from you: SMS text is personal data, shown to smsops admins and to the members of the channel it is posted in.';

/**
 * The page's lines at the longest excerpt that fits one Slack message with the rest; when none does (contrived headers),
 * those that fit, and how many did not.
 */
function pageLines(lines: InboxReading['lines'], reserved: { blocks: number; text: number }): Block[] {
  const shownWith = (excerpt: number) => (line: InboxReading['lines'][number]) =>
    line.direction === 'reply' ? [replyLineBlock(line)] : lineBlocks(line, excerpt);
  const budget = { reservedBlocks: reserved.blocks + 1, reservedText: reserved.text + 200, maxItems: lines.length || 1 };
  for (const excerpt of INBOX_EXCERPTS) {
    const [fitting = []] = paginate(lines, shownWith(excerpt), budget);
    if (fitting.length === lines.length || excerpt === INBOX_EXCERPTS.at(-1)) {
      const left = lines.length - fitting.length;
      const blocks = fitting.flatMap(shownWith(excerpt));
      if (left > 0)
        blocks.push(
          context(
            `…and ${plural(left, 'more message', 'more messages')} of this page, too long to show in one Slack message: see their Slack posts.`,
          ),
        );
      return blocks;
    }
  }
  return [];
}

/**
 * A page of `/sms inbox` (the store pages the messages, INBOX_PAGE_SIZE a page): its lines, then where the page sits
 * and the command for the next ("…and 5 more messages — `/sms inbox +14155550100 page 2` shows the next ones").
 */
export function inboxMessage(reading: InboxReading, number?: string): SlackMessage {
  const { lines, page } = reading;
  const shownNumber = number ? escapeMrkdwn(number) : '';
  if (lines.length === 0 && page.count <= 1) {
    // One answer to someone who may read none of them, whether the number texted or not (readInbox).
    const said = !number
      ? 'No messages yet.'
      : reading.admin
        ? `No messages to or from ${shownNumber} yet: it is neither an smsops number with messages nor a customer who has texted one.`
        : `No messages with ${shownNumber} that you may read: SMS text and senders are shown to smsops admins and to the members of the channel each message is posted in. Ask one of them to look.`;
    return { text: said, blocks: [section(said)] };
  }
  const title =
    reading.numberIs === 'customer' ? `*Conversation with ${shownNumber}*` : `*Inbox*${number ? ` for ${shownNumber}` : ''}`;
  const hidden = lines.filter((l) => l.hidden).length;
  const blocks: Block[] = [section(`${title}, newest first (↩: replies sent from Slack)`)];
  blocks.push(...pageLines(lines, { blocks: 6, text: blockTextLength(blocks) + 1_500 }));
  const command = (n: number) => code(`/sms inbox${number ? ` ${number}` : ''}${n > 1 ? ` page ${n}` : ''}`);
  const listPage: ListPage<null> = {
    items: Array.from({ length: page.size }, () => null),
    number: page.number,
    count: page.count,
    first: page.first,
    total: page.total,
    ...(page.asked !== undefined ? { asked: page.asked } : {}),
  };
  blocks.push(...pageFooter(listPage, { one: 'message' }, command));
  if (page.beyond) {
    blocks.push(
      context(
        `More than ${INBOX_PAGED_AT_MOST.toLocaleString('en-US')} messages: the newest ${INBOX_PAGED_AT_MOST.toLocaleString('en-US')} are paged here${
          number ? '' : '; `/sms inbox <number>` pages one number’s'
        }.`,
      ),
    );
  }
  if (hidden > 0) {
    blocks.push(
      context(
        `The text and sender of ${hidden} message${hidden === 1 ? ' is' : 's are'} hidden: SMS text is personal data, shown to smsops admins and to the members of the channel it is posted in. Ask to be added to that channel.`,
      ),
    );
  }
  if (
    !reading.admin &&
    lines.some((l) => l.direction === 'inbound' && l.deliveries.some((d) => d.kind === 'portsip' && d.answer))
  ) {
    blocks.push(context('What PortSIP answered is shown to smsops admins only; here, its HTTP status.'));
  }
  if (reading.withheld > 0) {
    blocks.push(context(`${plural(reading.withheld, 'more message', 'more messages')} with ${shownNumber}: ${WITHHELD}`));
  }
  const where = page.count > 1 ? ` (page ${page.number} of ${page.count}, ${plural(page.total, 'message', 'messages')})` : '';
  return { text: `${inboxCounts(lines)}${hidden > 0 ? ` (${hidden} hidden)` : ''}${where}`, blocks };
}
