import { replyCost } from '../../core/model/smsSegments.js';
import { formatPartyForPeople } from '../../core/phone.js';
import type { ReplyStatus } from '../../core/ports/conversationReplies.js';
import type { InboxReplyLine } from '../../relay/inboxReading.js';
import { type Block, clip, code, escapeInline, section, slackTime } from './text.js';

const REPLY_STATUS: Record<ReplyStatus, string> = {
  queued: ':hourglass_flowing_sand: waiting to send',
  sending: ':hourglass_flowing_sand: sending',
  blocked: ':no_entry: not sent',
  failed: ':x: not sent',
  unknown: ':grey_question: may have been sent',
  accepted: ':outbox_tray: accepted by Wavix',
  pending: ':outbox_tray: pending at Wavix',
  sent: ':outbox_tray: sent',
  delivered: ':white_check_mark: delivered',
  undelivered: ':x: undelivered',
  expired: ':x: expired',
  rejected: ':x: rejected',
  dlr_expired: ':grey_question: no delivery report',
};

/**
 * A reply sent from a Slack thread, as one line of `/sms inbox`: who answered, how long it was and where it stands.
 * Its text is not kept, so it is never shown; whom it went to is hidden like an inbound sender.
 */
export function replyLineBlock(line: InboxReplyLine): Block {
  const to = line.toNumber === null ? '_hidden recipient_' : `*${escapeInline(formatPartyForPeople(line.toNumber))}*`;
  // Wavix's count, when it differs, in the status line's words ("3 segments by Wavix’s count (smsops counted …)").
  const counted = line.wavixSegments !== null && line.wavixSegments !== line.segments;
  const cost = counted ? replyCost(line) : `${line.segments} segment${line.segments === 1 ? '' : 's'} (${line.encoding})`;
  const size = `${line.textLength} char${line.textLength === 1 ? '' : 's'}, ${cost}`;
  const reason = line.statusReason ? ` (${clip(escapeInline(line.statusReason), 200)})` : '';
  const id = line.wavixMessageId ? ` · id ${code(line.wavixMessageId)}` : '';
  return section(
    `↩ ${escapeInline(formatPartyForPeople(line.fromNumber))} → ${to} · ${slackTime(line.createdAt)} · reply by <@${line.slackUser}>\n${size} · ${REPLY_STATUS[line.status]}${reason}${id}`,
  );
}
