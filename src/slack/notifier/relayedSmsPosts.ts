import type { webApi } from '@slack/bolt';
import type { DeliveriesRepository } from '../../core/ports/deliveries.js';
import type { InboundRepository } from '../../core/ports/inbound.js';
import type { RelayedSmsPosts } from '../../core/ports/notifier.js';
import type { OptOutsRepository } from '../../core/ports/optOuts.js';
import type { Logger } from '../../log.js';
import type { SlackPostsRepository } from '../../store/repositories/slackPosts.js';
import type { SlackThreadsRepository } from '../../store/repositories/slackThreads.js';
import type { ThreadStartTurns } from '../threadStarts.js';
import { createSlackPace } from './slackPace.js';
import { createSlackRelaySender } from './slackPost.js';
import { startSlackPostUpdater } from './slackPostUpdater.js';
import { slackShownMessage } from './slackShown.js';
import { createThreadContinuation } from './threadContinuation.js';

/**
 * The relay's Slack leg: relayed SMS posts, and the in-place edits of each post's PortSIP state. Posts and edits share
 * one pace (SLACK_RELAY_PACE_MS) and one notion of what is shown (SMS_MASK_CODES), so an edit never shows more than
 * the post it replaces. The edit loop starts here and runs until `stop`.
 */
export function startRelayedSmsPosts(options: {
  /** A client that rejects rate-limited calls (the outbox retries), separate from the one answering people. */
  client: webApi.WebClient;
  deliveries: DeliveriesRepository;
  inbound: InboundRepository;
  posts: SlackPostsRepository;
  threads: SlackThreadsRepository;
  paceMs: number;
  maskCodes: boolean;
  /** Read to tell a START posted after the customer's later STOP from one that opted them back in. */
  optOuts?: Pick<OptOutsRepository, 'blocking'> | undefined;
  retry: { baseDelayMs: number; maxDelayMs: number };
  logger: Logger;
  now: () => number;
  /** Whose midnight starts a conversation's thread of the day (SCHEDULE_TIMEZONE); UTC when absent. */
  threadTimeZone?: string;
  /** Turns at starting a conversation's thread of a day, shared with "Answer" on grouped posts (../threadStarts.ts). */
  threadStarts?: ThreadStartTurns;
  /** Cuts the client's calls still waiting for Slack (see createRelaySlackClient): a hung one must not hold the stop. */
  cutCalls?: () => void;
  /** Told of each error the edit loop survived (the /metrics counter). */
  onPostUpdateError?: (error: unknown) => void;
}): RelayedSmsPosts {
  const pace = createSlackPace(options.paceMs);
  const shown = slackShownMessage({ maskCodes: options.maskCodes, optOuts: options.optOuts });
  // A conversation's new day's thread links to the day before, in the post and in its edits.
  const continuation = createThreadContinuation({ client: options.client, threads: options.threads, now: options.now });
  const updater = startSlackPostUpdater({
    continuation,
    client: options.client,
    posts: options.posts,
    deliveries: options.deliveries,
    inbound: options.inbound,
    pace,
    retry: options.retry,
    logger: options.logger,
    now: options.now,
    shown,
    ...(options.onPostUpdateError ? { onError: options.onPostUpdateError } : {}),
  });
  // The sender keeps no state between batches: one per call carries that call's hook.
  const senderFor = (onUnrecorded: ((error: unknown) => void) | undefined) =>
    createSlackRelaySender({
      client: options.client,
      threads: options.threads,
      continuation,
      shown,
      posts: options.posts,
      portsipState: updater.portsipState,
      pace,
      onStale: updater.wake,
      onUnrecorded,
      ...(options.threadTimeZone ? { threadTimeZone: options.threadTimeZone } : {}),
      ...(options.threadStarts ? { threadStarts: options.threadStarts } : {}),
    });
  return {
    post: (batch, hooks) => senderFor(hooks?.onUnrecorded).send([...batch], hooks?.attempt),
    portsipStateChanged: (delivery) => updater.changed(delivery),
    stop: () => {
      pace.close();
      options.cutCalls?.();
      return updater.stop();
    },
  };
}
