import type { ReplyNotifier } from '../ports/replyNotifier.js';
import type { ThreadMessage } from './replyFromThread.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A reply under one of smsops' own posts whose thread smsops no longer knows: retention deleted the conversation
 * (RETENTION_DAYS), so there is nobody to text. The person is told, to them only, or they would take silence for
 * "sent". Only a post older than the retention window counts (its Slack ts is when it was posted): a newer post of
 * smsops' that is no conversation's (a report, an alert, a relayed post whose thread is being recorded) stays silent.
 */
export async function answerThreadNotKept(
  deps: { notifier: Pick<ReplyNotifier, 'tellPerson'>; retentionDays: number; now: () => number },
  message: ThreadMessage,
): Promise<'thread_not_kept' | 'not_a_relay_thread'> {
  if (!message.underOwnPost || deps.retentionDays <= 0) return 'not_a_relay_thread';
  const postedAt = Number(message.threadTs.split('.')[0]) * 1000;
  if (!Number.isFinite(postedAt) || postedAt > deps.now() - deps.retentionDays * DAY_MS) return 'not_a_relay_thread';
  await deps.notifier.tellPerson(
    message.channel,
    message.threadTs,
    message.userId,
    `Your reply was not sent: this conversation is older than ${deps.retentionDays} days (RETENTION_DAYS), so smsops no longer keeps it and does not know whom to text. Answer the customer in the thread of their next SMS.`,
  );
  return 'thread_not_kept';
}
