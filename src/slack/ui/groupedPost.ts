import { formatPartyForPeople } from '../../core/phone.js';
import { whyUnanswerable } from '../../core/replyAssessment.js';
import { clip, code, escapeInline, escapeMrkdwn, inlineText, type SlackMessage } from './text.js';

/**
 * A grouped post (many SMS coalesced under a storm) is no conversation's thread: a reply under it has no customer to
 * go to. Its words say so where people look, on the post itself and to whoever replies under it anyway, with where to
 * answer instead. smsops has no command to text a customer outside a thread; under a storm every SMS of a customer
 * may be grouped (none of 1,000 customers got a thread), so each SMS of the post has an "Answer" button that starts
 * its customer's thread of the day.
 */
const WHERE_TO_ANSWER =
  "press *Answer* beside the customer's SMS (it starts their conversation thread, or points to it) and reply in that thread";

/** Under the title of a grouped post. */
export const GROUPED_POST_HINT = `:speech_balloon: A reply in this post's thread is not sent as an SMS: the post groups SMS that arrived at once and is no conversation's thread. To answer, ${WHERE_TO_ANSWER}.`;

/** Told only to the person who replied under a grouped post. */
export const GROUPED_POST_REPLY_REFUSAL = `Not sent: this post groups SMS that arrived at once, so its thread is no conversation's and a reply here reaches no one. To answer, ${WHERE_TO_ANSWER}.`;

const party = (stored: string) => `*${escapeInline(clip(formatPartyForPeople(stored), 40))}*`;

/**
 * Where the customer's SMS are listed: `/sms inbox` finds a phone number only, so a name (an alphanumeric sender, which
 * can be `<!channel>`: it was written into the command raw, and notified the channel), a short code or a national
 * form kept as sent (`07400123456`, no Wavix digits) gets no command.
 */
const inboxOf = (stored: string, listed: string) =>
  /^[1-9]\d{6,14}$/.test(stored) ? ` (${code(`/sms inbox +${stored}`)} ${listed})` : '';

/**
 * The post that starts a customer's thread of the day from a grouped post's "Answer": names exactly whom a reply
 * reaches and from which number, since the grouped post above shows other customers too.
 */
export function customerThreadStart(from: string, to: string, startedBy: string): SlackMessage {
  // A name, a withheld sender or a national-form number is not answered (replyAssessment.ts): said, not promised.
  const unanswerable = whyUnanswerable(from);
  const replies = unanswerable
    ? `a reply in this thread is not sent: ${escapeMrkdwn(unanswerable)}`
    : `a reply in this thread is texted to ${party(from)} from ${party(to)}`;
  const text =
    `:speech_balloon: Conversation with ${party(from)} on ${party(to)}: ${replies}. Their SMS so far are in grouped posts above${inboxOf(from, 'lists them')}; ` +
    `their next SMS of the day come here. Started by <@${startedBy}>.`;
  return {
    // The notification's text is read for mentions as the blocks are: escaped, as the SMS posts' own (inboundSms.ts).
    text: escapeMrkdwn(
      `Conversation with ${inlineText(clip(formatPartyForPeople(from), 40))}: ${unanswerable ? 'no reply can be sent' : 'reply in this thread'}`,
    ),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
  };
}

/** What the person who pressed "Answer" is told (to them only). */
export const groupedAnswerWords = {
  started: (from: string) => {
    const unanswerable = whyUnanswerable(from);
    return unanswerable
      ? `A thread for ${party(from)} was started in this channel (the newest post), where their next SMS of the day come; a reply there is not sent: ${escapeMrkdwn(unanswerable)}.`
      : `A thread for ${party(from)} was started in this channel (the newest post): reply there and it is texted to them.`;
  },
  exists: (from: string) =>
    `${party(from)} already has a conversation thread today, where their first SMS not grouped was posted or where someone pressed Answer before: reply there${inboxOf(from, 'lists their SMS')}.`,
  unknown: 'This SMS is not in this post any more (forgotten, or kept past its retention): nothing was started.',
  rateLimited: (seconds: number) =>
    `Slack is limiting posts to this channel (a storm of SMS): the thread could not be started now. Press Answer again in ${seconds} s.`,
  failed: (why: string) => `The thread could not be started: ${why}. Press Answer again, or use \`/sms inbox\` to see the SMS.`,
} as const;
