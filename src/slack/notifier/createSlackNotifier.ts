import type { webApi } from '@slack/bolt';
import type { ConversationRepliesRepository } from '../../core/ports/conversationReplies.js';
import type { DeliveriesRepository } from '../../core/ports/deliveries.js';
import type { InboundRepository } from '../../core/ports/inbound.js';
import type { Notifier } from '../../core/ports/notifier.js';
import type { OptOutsRepository } from '../../core/ports/optOuts.js';
import type { Logger } from '../../log.js';
import type { SlackPostsRepository } from '../../store/repositories/slackPosts.js';
import type { SlackThreadsRepository } from '../../store/repositories/slackThreads.js';
import type { ThreadStartTurns } from '../threadStarts.js';
import { createAlertPosts } from './alertPosts.js';
import { createAnnouncements } from './announcements.js';
import { startRelayedSmsPosts } from './relayedSmsPosts.js';
import { createReplyStatusNotifier } from './replyStatus.js';

/**
 * The one Slack implementation of the Notifier: everything smsops says in Slack outside an interaction. Built once
 * by the composition root; the relayed-SMS edit loop runs from here until `relayedSms.stop()`.
 */
export function createSlackNotifier(options: {
  /** Alerts and announcements: a client that waits out rate limits. */
  client: webApi.WebClient;
  /** The relay's client: rejects rate-limited calls, so the outbox retries after Retry-After. */
  relayClient: webApi.WebClient;
  alertChannel: string;
  relay: {
    deliveries: DeliveriesRepository;
    inbound: InboundRepository;
    posts: SlackPostsRepository;
    threads: SlackThreadsRepository;
    paceMs: number;
    maskCodes: boolean;
    /** Read to tell a START posted after the customer's later STOP from one that opted them back in. */
    optOuts?: Pick<OptOutsRepository, 'blocking'>;
    retry: { baseDelayMs: number; maxDelayMs: number };
    logger: Logger;
    /** The relay's clock, when it is not the notifier's. */
    now?: () => number;
    /** Whose midnight starts a conversation's thread of the day (SCHEDULE_TIMEZONE); UTC when absent. */
    threadTimeZone?: string;
    /** Turns at starting a conversation's thread of a day, shared with "Answer" on grouped posts. */
    threadStarts?: ThreadStartTurns;
    /** Cuts the relay client's calls in flight, once the relay stops. */
    cutCalls?: () => void;
    /** Told of each error the loop editing relayed SMS posts survived (the /metrics counter). */
    onPostUpdateError?: (error: unknown) => void;
  };
  /** Replies typed in relay threads, whose status lines it posts and edits. */
  replies: ConversationRepliesRepository;
  /** The replies' status lines' client, when not `client`: a stop cuts it only after it said what became of them. */
  repliesClient?: webApi.WebClient;
  logger: Logger;
  now: () => number;
}): Notifier {
  const { now } = options;
  return {
    announce: createAnnouncements({
      slack: options.client,
      relaySlack: options.relayClient,
      channel: options.alertChannel,
      logger: options.logger,
      ...(options.relay.threadTimeZone ? { timeZone: options.relay.threadTimeZone } : {}),
    }),
    alert: createAlertPosts({ slack: options.client, channel: options.alertChannel, now, logger: options.logger }),
    relayedSms: startRelayedSmsPosts({ client: options.relayClient, ...options.relay, now: options.relay.now ?? now }),
    replies: createReplyStatusNotifier({
      client: options.repliesClient ?? options.client,
      replies: options.replies,
      logger: options.logger.child({ component: 'replies' }),
    }),
  };
}
