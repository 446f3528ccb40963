import { replyCost } from '../../core/model/smsSegments.js';
import type { ConversationReply } from '../../core/ports/conversationReplies.js';
import { clip, code, escapeInline, escapeMrkdwn, graphemePrefix, type SlackMessage } from './text.js';

/**
 * A context element holds at most 3,000 characters (Block Kit). Wavix's reasons are short but not promised to be;
 * cut before escaping, where one character can become five (`&amp;`), so 500 stays well inside the limit.
 */
const MAX_REASON = 500;

const UNDELIVERED_ADVICE = 'Check the number, or reach the customer another way.';

/** What kind of "undelivered" it was, when it is not plain undelivered (which the line says already). */
const UNDELIVERED_KIND: Partial<Record<ConversationReply['status'], string>> = {
  expired: ' (expired)',
  rejected: ' (rejected)',
  dlr_expired: ' (no delivery report)',
};

// Kept to one inline run like any field from outside: Wavix's reason may hold line breaks, which would end the line
// and let what follows pass for smsops' own.
const reason = (reply: ConversationReply, fallback: string, wavixSaid?: string) =>
  escapeInline(
    graphemePrefix(`${reply.statusReason ?? fallback}${wavixSaid ? ` Wavix said: "${wavixSaid}".` : ''}`, MAX_REASON).kept,
  );

/**
 * "Sent · Wavix id `…`", "Undelivered: …", "Not sent: …": where a reply stands, in one line. `wavixSaid`: Wavix's
 * words refusing a failed send, which only this line shows (they may quote the reply; the record never holds them).
 */
export function replyStatusLine(reply: ConversationReply, wavixSaid?: string): string {
  // Wavix's id, bounded as the posts bound it: an id of thousands of characters (`&` escaped five times over) took the
  // context element past Slack's 3,000 and the line was refused, so the thread never said how the reply stood.
  const wavixId = reply.wavixMessageId ? ` · Wavix id ${code(clip(reply.wavixMessageId, 100))}` : '';
  switch (reply.status) {
    case 'queued':
      return 'Waiting to send…';
    case 'sending':
      return 'Sending…';
    case 'accepted':
    case 'pending':
    case 'sent':
      return `Sent${wavixId}`;
    case 'delivered':
      return `Delivered${wavixId}`;
    case 'unknown':
      return `May have been sent: ${reason(reply, 'smsops does not know whether Wavix sent it.')}`;
    case 'blocked':
    case 'failed':
      return `Not sent: ${reason(reply, 'no reason given', reply.status === 'failed' ? wavixSaid : undefined)}`;
    case 'undelivered':
    case 'expired':
    case 'rejected':
    case 'dlr_expired':
      return `Undelivered${UNDELIVERED_KIND[reply.status] ?? ''}: ${reason(reply, 'Wavix gave no reason')}${wavixId} · ${UNDELIVERED_ADVICE}`;
  }
}

/**
 * The context line under a reply: its status, then what it costs ("2 segments, UCS-2 because of ’"). Everything from
 * outside (Wavix's reason, its id) is escaped, so nothing in it can ping a channel or hide a link.
 */
export function replyStatusMessage(reply: ConversationReply, cost?: string, wavixSaid?: string): SlackMessage {
  const costLine = escapeMrkdwn(cost ?? replyCost(reply));
  const line = `${replyStatusLine(reply, wavixSaid)} · ${costLine}`;
  return { text: line, blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: line }] }] };
}
