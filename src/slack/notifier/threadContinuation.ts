import type { webApi } from '@slack/bolt';
import type { SlackThread } from '../../store/repositories/slackThreads.js';
import { context, type SlackMessage } from '../ui/text.js';

const DAY_MS = 86_400_000;

/**
 * A message's permalink built from the workspace's URL (auth.test's `url`, e.g. https://acme.slack.com/) as
 * https://<workspace>.slack.com/archives/<channel>/p<ts without the dot>, the form chat.getPermalink returns for a
 * message that is not in a thread (a thread's first post is not). Built rather than asked with chat.getPermalink:
 * the line is rendered again on every in-place edit of the post, and one auth.test per process is cheaper than a
 * call per render that can fail or be rate-limited while the relay is busy.
 */
export function messagePermalink(workspaceUrl: string, channel: string, ts: string): string {
  return `${workspaceUrl.replace(/\/*$/, '/')}archives/${encodeURIComponent(channel)}/p${ts.replace('.', '')}`;
}

/** The line of a day's first post pointing at the conversation's thread of an earlier day. */
export function continuationLine(
  channel: string,
  previous: SlackThread,
  today: string,
  workspaceUrl: string | undefined,
): string {
  const yesterday = Date.parse(`${today}T00:00:00Z`) - Date.parse(`${previous.day}T00:00:00Z`) === DAY_MS;
  const label = yesterday ? "yesterday's thread" : `the thread of ${previous.day}`;
  // Without the workspace's URL (Slack could not be asked yet) the line still says where to look.
  return workspaceUrl
    ? `:arrow_up: Continues <${messagePermalink(workspaceUrl, channel, previous.threadTs)}|${label}>`
    : `:arrow_up: Continues ${label} in this channel`;
}

/** The post with the line under it: a context block, or a line of text for a post made of text alone (minimal). */
export function withContinuation(message: SlackMessage, line: string | undefined): SlackMessage {
  if (!line) return message;
  if (message.blocks.length === 0) return { ...message, text: `${message.text}\n${line}` };
  return { ...message, blocks: [...message.blocks, context(line)] };
}

export interface ThreadContinuation {
  /** The line for a post about to start the day's thread `day` of a conversation; undefined when it has no earlier one. */
  forNewThread(channel: string, conversationKey: string, day: string): Promise<string | undefined>;
  /** The line for an edit of the post `ts`, when that post started a day's thread that continues an earlier one. */
  forPost(channel: string, ts: string): string | undefined;
}

/**
 * Where a new day's thread of a conversation links to its previous one. The workspace URL is learnt with one
 * auth.test (asked again at most once a minute while it fails); the threads are those the relay records.
 */
export function createThreadContinuation(options: {
  client: Pick<webApi.WebClient, 'auth'>;
  threads: {
    previous(channel: string, conversationKey: string, day: string): SlackThread | undefined;
    previousOfThread(channel: string, threadTs: string): { day: string; previous: SlackThread } | undefined;
  };
  now?: () => number;
}): ThreadContinuation {
  const now = options.now ?? Date.now;
  let workspaceUrl: string | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;
  const learnWorkspaceUrl = async () => {
    if (workspaceUrl || now() - failedAt < 60_000) return workspaceUrl;
    try {
      const who = await options.client.auth.test();
      workspaceUrl = typeof who.url === 'string' && /^https:\/\//.test(who.url) ? who.url : undefined;
    } catch {
      // The post goes out without the link's target; the relay's own failures are reported by the post itself.
    }
    if (!workspaceUrl) failedAt = now();
    return workspaceUrl;
  };
  return {
    // A link is a convenience: a failure to find the earlier thread never holds up the post or its edit.
    forNewThread: async (channel, conversationKey, day) => {
      try {
        const previous = options.threads.previous(channel, conversationKey, day);
        return previous ? continuationLine(channel, previous, day, await learnWorkspaceUrl()) : undefined;
      } catch {
        return undefined;
      }
    },
    forPost: (channel, ts) => {
      try {
        const found = options.threads.previousOfThread(channel, ts);
        return found ? continuationLine(channel, found.previous, found.day, workspaceUrl) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
