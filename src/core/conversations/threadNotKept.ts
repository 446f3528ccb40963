import type { ReplyNotifier } from '../ports/replyNotifier.js';
import type { SlackThreadsRepository } from '../ports/slackThreads.js';
import type { ThreadMessage } from './replyFromThread.js';

/**
 * A reply under one of smsops' own posts whose thread smsops no longer knows: retention deleted the conversation
 * (RETENTION_DAYS), so there is nobody to text. The person is told, to them only, or they would take silence for
 * "sent". Only a thread retention is known to have deleted counts (migration 032 records each): an old post of
 * smsops' that was never an SMS thread (an alert, a digest, an announcement, often in the same channel) stays silent,
 * as do threads deleted before that record existed, or so long ago that it is gone too.
 */
export async function answerThreadNotKept(
  deps: {
    notifier: Pick<ReplyNotifier, 'tellPerson'>;
    threads: Pick<SlackThreadsRepository, 'expired'>;
    retentionDays: number;
  },
  message: ThreadMessage,
): Promise<'thread_not_kept' | 'not_a_relay_thread'> {
  if (!message.underOwnPost || !deps.threads.expired(message.channel, message.threadTs)) return 'not_a_relay_thread';
  // RETENTION_DAYS may have been set to 0 (keep all) since the thread was deleted: no age to name then.
  const age = deps.retentionDays > 0 ? `older than ${deps.retentionDays} days (RETENTION_DAYS)` : 'deleted by retention';
  await deps.notifier.tellPerson(
    message.channel,
    message.threadTs,
    message.userId,
    `Your reply was not sent: this conversation is ${age}, so smsops no longer keeps it and does not know whom to text. Answer the customer in the thread of their next SMS.`,
  );
  return 'thread_not_kept';
}
