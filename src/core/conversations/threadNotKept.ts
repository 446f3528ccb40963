import type { ReplyNotifier } from '../ports/replyNotifier.js';
import type { SlackThreadsRepository } from '../ports/slackThreads.js';
import type { ThreadMessage } from './replyFromThread.js';

const DAY_MS = 86_400_000;

/**
 * A reply under one of smsops' own posts whose thread smsops no longer knows: retention deleted the conversation
 * (RETENTION_DAYS), or `/sms forget` removed it, so there is nobody to text. The person is told, to them only, or they
 * would take silence for "sent". Only a thread known to have been deleted counts (migration 032 records each): an old
 * post of smsops' that was never an SMS thread (an alert, a digest, an announcement, often in the same channel) stays
 * silent, as do threads deleted before that record existed, or so long ago that it is gone too.
 */
export async function answerThreadNotKept(
  deps: {
    notifier: Pick<ReplyNotifier, 'tellPerson'>;
    threads: Pick<SlackThreadsRepository, 'expiredStartedAt'>;
    retentionDays: number;
    now?: () => number;
  },
  message: ThreadMessage,
): Promise<'thread_not_kept' | 'not_a_relay_thread'> {
  const startedAt = message.underOwnPost ? deps.threads.expiredStartedAt(message.channel, message.threadTs) : undefined;
  if (startedAt === undefined) return 'not_a_relay_thread';
  const ageMs = (deps.now ?? Date.now)() - startedAt;
  // Retention deletes only threads older than RETENTION_DAYS: a younger one was erased on request. Told "older than 90
  // days" of a conversation removed yesterday, a colleague was given a reason that was not so (a probe). (One retention
  // deleted before RETENTION_DAYS was raised past its age is said to be removed by /sms forget: rare, and harmless.)
  const why =
    deps.retentionDays > 0 && ageMs < deps.retentionDays * DAY_MS
      ? 'was removed from smsops (`/sms forget`, an erasure request)'
      : deps.retentionDays > 0
        ? `is older than ${deps.retentionDays} days (RETENTION_DAYS)`
        : 'was deleted (by retention, or removed with `/sms forget`)';
  await deps.notifier.tellPerson(
    message.channel,
    message.threadTs,
    message.userId,
    `Your reply was not sent: this conversation ${why}, so smsops no longer keeps it and does not know whom to text. Answer the customer in the thread of their next SMS.`,
  );
  return 'thread_not_kept';
}
