import type { webApi } from '@slack/bolt';
import { connectionFailureInWords } from '../../core/connectionFailure.js';
import type { Delivery } from '../../core/model/delivery.js';
import type { InboundMessage } from '../../core/model/inboundMessage.js';
import type { DeliveriesRepository } from '../../core/ports/deliveries.js';
import type { InboundRepository } from '../../core/ports/inbound.js';
import { isTransientStoreError } from '../../core/ports/storeErrors.js';
import { describeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { nextAttemptDelay } from '../../relay/retryPolicy.js';
import type { SlackPost, SlackPostsRepository } from '../../store/repositories/slackPosts.js';
import { slackErrorCode } from '../slackErrorCode.js';
import { inboundBatchMessage, inboundSmsMessage, minimalSmsMessage, type PortsipState } from '../ui/inboundSms.js';
import { unansweredInWords } from '../ui/relay.js';
import type { SlackMessage } from '../ui/text.js';
import type { SlackPace } from './slackPace.js';
import { classifySlackFailure, MAX_SLACK_RETRY_AFTER_MS, messageArgs, shownState } from './slackPost.js';
import type { SlackShown } from './slackShown.js';
import { type ThreadContinuation, withContinuation } from './threadContinuation.js';

/**
 * Where one message stands on PortSIP, from its PortSIP delivery (none: no route named a PortSIP URL). `headOf`: the
 * delivery one not tried yet waits behind (DeliveriesRepository.conversationHead), read only for such a one.
 */
export function portsipStateOf(deliveries: readonly Delivery[], headOf?: DeliveriesRepository['conversationHead']): PortsipState {
  const d = deliveries.find((x) => x.destinationKind === 'portsip');
  if (!d) return { kind: 'none' };
  // A connection failure in words with its code in brackets, never the library's text: everyone in the channel reads
  // it, and that text may name addresses (or be OpenSSL's hex) where a person needs what happened.
  // A 2xx yet not delivered: the attempt's route was changed while it was out, so the old PBX took it and it is sent
  // to the new one ("HTTP 200" read as a failure).
  const movedAfterTaken = d.lastStatusCode !== null && d.lastStatusCode >= 200 && d.lastStatusCode < 300;
  const reason = movedAfterTaken
    ? 'moved to a new route'
    : d.lastStatusCode
      ? `HTTP ${d.lastStatusCode}`
      : d.lastError
        ? (connectionFailureInWords(d.lastError, d.destination, '[]') ?? unansweredInWords(d.lastError, '[]'))
        : 'failed';
  if (d.status === 'delivered') return { kind: 'delivered', at: d.deliveredAt ?? d.lastAttemptAt ?? d.createdAt };
  if (d.status === 'dead') return { kind: 'dead', reason };
  // Or held unposted by its route's Retry-After (recorded, not an attempt): "sending…" stayed on it while it waited.
  if (d.attempts > 0 || d.lastAttemptAt !== null)
    return { kind: 'retrying', error: reason, attempts: d.attempts, nextAt: d.nextAttemptAt };
  // Held behind its conversation's head (arrival order), it is not being sent: "sending…" stayed on it for as long as
  // the head retried, up to RELAY_DEAD_AFTER_HOURS. Its own first outcome updates the post, as any state change does.
  const head = d.status === 'pending' ? headOf?.(d) : undefined;
  return head ? { kind: 'waiting', retrying: head.attempts > 0 } : { kind: 'sending' };
}

/**
 * Slack's answers to chat.update that no retry changes: the post is gone or can no longer be edited, or the content is
 * refused. The update is then given up (kept with the reason); the post keeps showing its last state.
 */
/** A wall clock that moved this much less than the monotonic one was stepped back. */
const CLOCK_STEP_MS = 1_000;

/** Tries of a post whose update throws before it is given up (it keeps showing its last state). */
const UPDATE_GIVE_UP_AFTER = 5;
/** The longest the loop waits after errors in a row (the database failing): the edits resume within this once it works. */
const MAX_ERROR_WAIT_MS = 60_000;
/** Posts held aside in memory at most: past this, the loop pauses instead (the database is failing, not a row). */
const HELD_ASIDE_MAX = 100;

const UPDATES = { method: 'chat.update' } as const;

const UPDATE_NEVER = /^(?:message_not_found|cant_update_message|edit_window_closed)$/;

/**
 * The channel archived, or gone from the bot's sight (made private, the bot removed): a state of the workspace that
 * is undone in Slack, unlike a deleted message. Given up on the spot, an edit refused while a channel was archived for
 * a minute left its post showing "PortSIP retrying" for good. Tried again with the backoff instead, for about two
 * hours (the backoff's 5-minute cap), then given up: a channel archived for good must not cost calls for ever.
 *
 * Slack's chat.update reference lists `channel_not_found` ("Value passed for channel was invalid") and `is_inactive`
 * ("The message cannot be edited within a frozen, archived or deleted channel"); it lists neither `is_archived` (kept:
 * chat.postMessage's word for it, which an edit may get too) nor `not_in_channel`, which chat.postMessage lists ("Cannot
 * post user messages to a channel they are not in") and which a probe saw chat.update answer once the bot was removed
 * from the channel. Not listed, that one fell to the ordinary retry of each post on its own, with no end: every post
 * of the channel cost a call every 5 minutes for as long as the bot stayed out. Whether Slack answers it for every
 * removal (rather than channel_not_found for a private channel) is not documented; both are handled alike here.
 */
const CHANNEL_UNAVAILABLE = /^(?:channel_not_found|is_archived|is_inactive|not_in_channel)$/;
const CHANNEL_UNAVAILABLE_TRIES = 30;

export interface SlackPostUpdater {
  /** A message's PortSIP state changed: its posts are marked for an update. */
  changed(delivery: Delivery): void;
  wake(): void;
  stop(): Promise<void>;
}

/**
 * Keeps each relayed SMS's Slack post showing where it went on PortSIP ("PortSIP ✓ 12:03:04", "retrying (HTTP 503,
 * attempt 4, next 12:05)", "dead: …"), edited in place with chat.update. A state change only marks the post (in
 * SQLite, with the outcome's own commit); this loop renders the post from the current states when it gets a turn of
 * the Slack leg's pace, so several changes of one post under a storm become one update. An update that fails waits and
 * is tried again; it never holds up the posting of new SMS, which get the pace first.
 */
export function startSlackPostUpdater(options: {
  client: webApi.WebClient;
  posts: SlackPostsRepository;
  deliveries: DeliveriesRepository;
  inbound: InboundRepository;
  pace: SlackPace;
  retry: { baseDelayMs: number; maxDelayMs: number };
  logger: Logger;
  now?: () => number;
  idleMs?: number;
  /** What of a message is shown: the sender's own function, so an edit shows no more than the post did. */
  shown?: SlackShown;
  /** The link of a day's first post to the day before, kept through the edits. */
  continuation?: ThreadContinuation;
  /** Told of each error the loop survived (the /metrics counter). */
  onError?: (error: unknown) => void;
  /** The backoff's jitter (Math.random): a test fixes it to read the waits it sets. */
  random?: () => number;
}): SlackPostUpdater & { portsipState: (inboundMessageId: number) => PortsipState } {
  const { client, posts, logger } = options;
  const now = options.now ?? Date.now;
  const idleMs = options.idleMs ?? 5_000;
  const portsipState = (id: number) =>
    portsipStateOf(options.deliveries.forMessage(id), (d) => options.deliveries.conversationHead(d));
  const shown: SlackShown = options.shown ?? ((message) => message);
  const replayed = (id: number) =>
    options.deliveries.forMessage(id).some((d) => d.destinationKind === 'slack' && d.replayedAt !== null);

  let running = true;
  let wakeUp: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });

  const render = (post: SlackPost, stored: InboundMessage[], states: PortsipState[]): SlackMessage | undefined => {
    const messages = stored.map(shown);
    const [message] = messages;
    const [state = { kind: 'none' }] = states;
    const continues = () => options.continuation?.forPost(post.channel, post.ts);
    if ((post.layout === 'single' || post.layout === 'short') && message)
      return withContinuation(
        inboundSmsMessage(message, state, { short: post.layout === 'short', replayed: replayed(message.id) }),
        continues(),
      );
    if (post.layout === 'minimal' && message)
      return withContinuation(minimalSmsMessage(message, post.minimalReason ?? 'refused', state), continues());
    const batch = inboundBatchMessage(messages.map((m, i) => ({ message: m, portsip: states[i] ?? { kind: 'none' } })));
    // The budget reserves room for any state, so this holds; were it not to, the update would hide messages.
    return batch.shown === messages.length ? batch.message : undefined;
  };

  const updateOne = async (post: SlackPost) => {
    const messages = post.messageIds.map((id) => options.inbound.get(id)).filter((m): m is InboundMessage => m !== undefined);
    const states = messages.map((m) => portsipState(m.id));
    const state = shownState(states);
    if (state === post.shownState || messages.length === 0) {
      posts.updated(post.id, post.dirty, post.shownState);
      return;
    }
    const rendered = render(post, messages, states);
    if (!rendered) {
      posts.abandonUpdate(post.id, post.dirty, 'the updated post would not fit');
      return;
    }
    // Stopping: the post stays marked, and is updated after the restart.
    if (!(await options.pace.turn('update'))) return;
    try {
      // No unfurl flags: chat.update takes none, and Slack's docs are silent on whether an edit unfurls the links it
      // holds (the SMS's own, in the fallback text, and MMS media). A third party's live probe found that Slack weighs
      // unfurls once, at chat.postMessage, which posts with unfurl_links and unfurl_media false; not Slack's word.
      await client.chat.update({ channel: post.channel, ts: post.ts, ...messageArgs(rendered) } as webApi.ChatUpdateArguments);
      posts.updated(post.id, post.dirty, state);
    } catch (error) {
      const { outcome, refused } = classifySlackFailure(error);
      const code = slackErrorCode(error) ?? '';
      const channelUnavailable = CHANNEL_UNAVAILABLE.test(code);
      if (channelUnavailable && post.updateAttempts + 1 >= CHANNEL_UNAVAILABLE_TRIES) {
        const count = posts.abandonChannelUpdates(post.channel, outcome.error ?? 'refused');
        logger.warn('relayed SMS posts in an unavailable channel cannot be updated', {
          channel: post.channel,
          posts: count,
          error: outcome.error,
        });
        return;
      }
      if (refused || UPDATE_NEVER.test(code)) {
        logger.warn('a relayed SMS post cannot be updated', { channel: post.channel, ts: post.ts, error: outcome.error });
        posts.abandonUpdate(post.id, post.dirty, outcome.error ?? 'refused');
        return;
      }
      // Every post's edit waits it out, not this one's alone (see slackHolds.ts).
      if (outcome.statusCode === 429 && outcome.retryAfterMs) options.pace.holds.hold(UPDATES, outcome.retryAfterMs);
      const delay = Math.max(
        nextAttemptDelay(post.updateAttempts, { ...options.retry, deadAfterMs: 0 }, options.random),
        outcome.retryAfterMs ?? 0,
      );
      // The whole channel is refused, not this post: each of its posts tried in turn took a turn of the Slack pace
      // (shared with every other channel's edits) and a call, 30 times over: 500 posts delayed every other channel's
      // edit by minutes, for two hours. One post tries for all of them.
      if (channelUnavailable)
        posts.channelUpdatesFailed(post.channel, outcome.error ?? 'failed', post.updateAttempts + 1, now() + delay);
      else posts.updateFailed(post.id, outcome.error ?? 'failed', now() + delay);
    }
  };

  /**
   * A post whose update threw (not Slack's answer: a row that cannot be read, a bug in rendering) waits with a
   * backoff and is given up after a few tries, so that it cannot hold up the updates of every other post. When even
   * that cannot be written (the database is failing), false: the loop pauses.
   */
  const setAside = (post: SlackPost, error: unknown): boolean => {
    if (isTransientStoreError(error)) return false;
    try {
      const reason = `the post could not be rendered (${error instanceof Error ? error.name : typeof error})`;
      if (post.updateAttempts + 1 >= UPDATE_GIVE_UP_AFTER) posts.abandonUpdate(post.id, post.dirty, reason);
      else
        posts.updateFailed(
          post.id,
          reason,
          now() + nextAttemptDelay(post.updateAttempts, { ...options.retry, deadAfterMs: 0 }, options.random),
        );
      return true;
    } catch {
      // Its row alone cannot be written (a damaged page, a trigger) while the rest of the database can: before, it
      // stayed first in line and was edited in Slack again every 5 s, and no other post was ever edited. It waits in
      // memory instead, with a growing wait, and the others go on.
      const tries = (heldAside.get(post.id)?.tries ?? 0) + 1;
      if (heldAside.size >= HELD_ASIDE_MAX && !heldAside.has(post.id))
        for (const [id, held] of heldAside) if (held.until <= now()) heldAside.delete(id);
      if (heldAside.size >= HELD_ASIDE_MAX && !heldAside.has(post.id)) return false;
      heldAside.set(post.id, {
        tries,
        until: now() + nextAttemptDelay(tries - 1, { ...options.retry, deadAfterMs: 0 }, options.random),
      });
      return true;
    }
  };
  /**
   * Posts whose row could not be written, with their tries (kept until an edit of theirs is written, so the wait grows)
   * and when each is tried again. In memory: at a restart they are due at once.
   */
  const heldAside = new Map<number, { tries: number; until: number }>();
  const waiting = (at: number) => [...heldAside].filter(([, held]) => held.until > at);
  /** The first due post not held aside: the query looks past the ones that are (at most HELD_ASIDE_MAX). */
  const nextDue = (): SlackPost | undefined => {
    if (heldAside.size === 0) return posts.dueUpdates(1)[0];
    const held = new Set(waiting(now()).map(([id]) => id));
    return posts.dueUpdates(1 + held.size).find((post) => !held.has(post.id));
  };
  /** How long to sleep with nothing due: until the next due edit, a held-aside post's turn or `idleMs`. */
  const idleWait = (): number => {
    const at = now();
    const next = posts.nextDueAt();
    if (heldAside.size === 0) return next === undefined ? idleMs : Math.max(0, Math.min(idleMs, next - at));
    // A due time already past here belongs to a held-aside post (else it would have been taken): its own wait counts.
    const times = [next !== undefined && next > at ? next : at + idleMs, ...waiting(at).map(([, held]) => held.until)];
    return Math.max(0, Math.min(idleMs, ...times.map((t) => t - at)));
  };

  /** The longest wait the updater sets: a due time further ahead was set by a clock later than the present one. */
  const longestWaitMs = Math.max(options.retry.maxDelayMs, MAX_SLACK_RETRY_AFTER_MS);
  let clockAt = Number.NEGATIVE_INFINITY;
  let monotonicAt = 0;
  /**
   * The wall clock went back (NTP stepping it, a VM restored): the waits of failed updates were set by the later clock
   * and would have held each post's edit as long as the step. Looked for at the first turn too (a step while down).
   */
  const noticeClockStep = () => {
    const at = now();
    const monotonic = performance.now();
    const first = clockAt === Number.NEGATIVE_INFINITY;
    const back = first ? 0 : monotonic - monotonicAt - (at - clockAt);
    if (first || back > CLOCK_STEP_MS) {
      const madeDue = posts.dueAfterClockStep(Math.max(0, back), longestWaitMs);
      if (!first || madeDue > 0)
        logger.warn('the wall clock went back: relayed SMS post edits waiting for a later time are moved back', {
          steppedBackMs: first ? null : Math.round(back),
          moved: madeDue,
        });
    }
    clockAt = at;
    monotonicAt = monotonic;
  };

  /** Errors in a row: the loop waits longer after each (a database failing for an hour wrote a line every 5 s). */
  let consecutiveErrors = 0;
  const loop = async () => {
    while (running) {
      let post: SlackPost | undefined;
      try {
        noticeClockStep();
        // Slack's Retry-After for chat.update: no edit is tried until it ends (the posts stay marked; a wake only
        // looks again).
        const held = options.pace.holds.remainingMs(UPDATES);
        if (held > 0) {
          await sleep(held);
          continue;
        }
        post = nextDue();
        if (post) {
          await updateOne(post);
          heldAside.delete(post.id);
        } else await sleep(idleWait());
        consecutiveErrors = 0;
      } catch (error) {
        // Survives its own errors (a database hiccup, a post that cannot be rendered): logged, counted, tried again
        // later, waiting longer while they go on.
        consecutiveErrors += 1;
        try {
          options.onError?.(error);
        } catch {
          // Counting failed: going on matters more.
        }
        const setAsideDone = post !== undefined && setAside(post, error);
        const waitMs = setAsideDone ? 0 : Math.min(idleMs * 2 ** Math.min(consecutiveErrors - 1, 16), MAX_ERROR_WAIT_MS);
        logger.error('updating a relayed SMS post failed', {
          error: describeError(error),
          consecutiveErrors,
          ...(waitMs > 0 ? { retryInMs: waitMs } : {}),
        });
        if (waitMs > 0) await sleep(waitMs);
      }
    }
  };
  // The loop catches its own errors; were it to end anyway, the updates stop but the process does not crash.
  const finished = loop().catch((error: unknown) =>
    logger.error('the relayed SMS post updater stopped', { error: describeError(error) }),
  );

  return {
    portsipState,
    changed: (delivery) => {
      if (delivery.destinationKind !== 'portsip') return;
      // Called while the outcome is being recorded: a failure here must not undo that record.
      try {
        if (posts.markDirtyForMessage(delivery.inboundMessageId) > 0) wakeUp?.();
      } catch (error) {
        logger.error('could not mark a relayed SMS post for an update', { error: describeError(error) });
      }
    },
    wake: () => wakeUp?.(),
    stop: async () => {
      running = false;
      wakeUp?.();
      await finished;
    },
  };
}
