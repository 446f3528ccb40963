import { setImmediate as nextTurn } from 'node:timers/promises';
import type { webApi } from '@slack/bolt';
import { SLACK_ANSWERED_HTTP, SLACK_NOT_REACHED } from '../../core/connectionFailure.js';
import { localDay } from '../../core/localDay.js';
import type { Delivery } from '../../core/model/delivery.js';
import type { InboundMessage } from '../../core/model/inboundMessage.js';
import type { RelayedSmsOutcome as AttemptOutcome, RelayedSmsAttempt } from '../../core/ports/notifier.js';
import { describeError } from '../../errors.js';
import type { SlackPostLayout, SlackPostsRepository } from '../../store/repositories/slackPosts.js';
import type { SlackThreadsRepository } from '../../store/repositories/slackThreads.js';
import { slackErrorCode } from '../slackErrorCode.js';
import { slackNotReachedWords } from '../slackNotReached.js';
import { type ThreadStartTurns, threadStartKey } from '../threadStarts.js';
import { inboundBatchMessage, inboundSmsMessage, minimalSmsMessage, type PortsipState } from '../ui/inboundSms.js';
import { SMS_TEXT_PIECE_MAX } from '../ui/smsText.js';
import type { SlackMessage } from '../ui/text.js';
import type { SlackPace } from './slackPace.js';
import type { SlackShown } from './slackShown.js';
import { type ThreadContinuation, withContinuation } from './threadContinuation.js';

type Item = { delivery: Delivery; message: InboundMessage };

const MAX_RETRY_AFTER_SECONDS = 3_600;
/** The longest wait a Slack Retry-After sets (the updater takes a wait further ahead for one a later clock set). */
export const MAX_SLACK_RETRY_AFTER_MS = MAX_RETRY_AFTER_SECONDS * 1000;

/**
 * Slack's answers that refuse the content of a call, not the moment: the same call fails the same way every time.
 * `msg_*` and `invalid_*` (msg_blocks_too_long, msg_too_long, invalid_blocks, invalid_arguments, …; not invalid_auth,
 * which is the token) and a few named ones. The list is ours, from Slack's method pages: Slack publishes no such class.
 */
const CONTENT_REFUSAL = /^(?:msg_\w+|invalid_(?!auth$)\w+|no_text|too_many_attachments|too_many_blocks|markdown_text_conflict)$/;

const SLACK_CODE = /^\w+$/;
const THREAD_LOST_LINE =
  ':warning: This conversation’s thread of today was deleted in Slack: it goes on here (replies in this thread reach the customer)';
const SLACK_ANSWER_NOT_JSON = "Slack's answer was not JSON";

/**
 * Nothing was sent to Slack: smsops is stopping before the post's turn of the pace came, or the relay gave up on the
 * attempt (its timeout) before the post's call.
 */
class NotPosted extends Error {
  constructor(why: 'stopping' | 'given up') {
    super(
      why === 'stopping'
        ? 'smsops is stopping: not posted'
        : 'the relay gave up on this attempt (timed out, or smsops is stopping) before its post: not posted',
    );
    this.name = 'NotPosted';
  }
}

/**
 * Not posted: Slack answered another post to this channel 429 and its Retry-After has not ended. Waited out as if
 * this post had been answered so (the delivery is due after it), without a call that Slack would refuse the same way.
 */
class HeldByRetryAfter extends Error {
  constructor(readonly remainingMs: number) {
    super("Slack rate limit: not posted, waiting out Slack's Retry-After for this channel");
    this.name = 'HeldByRetryAfter';
  }
}

/** How a failed Slack call is seen: a refusal of this content (`refused`, with Slack's code), or worth another try. */
export interface SlackFailure {
  outcome: AttemptOutcome;
  /** Slack's error code (or `URI malformed`) when the content itself was refused; null otherwise. */
  refused: string | null;
}

export function classifySlackFailure(error: unknown): SlackFailure {
  // Not a failure: the delivery is given back as it was (no attempt, error or backoff), and posted after the restart.
  if (error instanceof NotPosted)
    return { outcome: { delivered: false, statusCode: null, error: error.message, notAttempted: true }, refused: null };
  if (error instanceof HeldByRetryAfter)
    return {
      outcome: { delivered: false, statusCode: null, error: error.message, retryAfterMs: error.remainingMs },
      refused: null,
    };
  const e = error as { code?: string; retryAfter?: number; data?: { error?: string }; name?: string };
  if (e.code === 'slack_webapi_rate_limited_error') {
    return {
      // Capped like PortSIP's: a proxy answering Retry-After: 100000 must not hold a conversation for a day.
      outcome: {
        delivered: false,
        statusCode: 429,
        error: 'Slack rate limit',
        retryAfterMs: Math.min(e.retryAfter ?? 1, MAX_RETRY_AFTER_SECONDS) * 1000,
      },
      refused: null,
    };
  }
  // The relay's client ends a call Slack does not answer (slackCallTimeoutMs): retried like any failure to reach it.
  if (e.code === 'slack_webapi_request_error' && (error as { original?: { name?: string } }).original?.name === 'TimeoutError')
    return { outcome: { delivered: false, statusCode: null, error: 'Slack did not answer in time' }, refused: null };
  // Cut because smsops is stopping (src/slack/callCut.ts): it may have been posted, so it is an attempt, sent again.
  if (e.code === 'slack_webapi_request_error' && (error as { original?: { name?: string } }).original?.name === 'SlackCallCut')
    return { outcome: { delivered: false, statusCode: null, error: 'smsops stopped before Slack answered' }, refused: null };
  // Slack not reached (DNS, a refused or cut connection, a certificate a proxy presents): "fetch failed" said nothing,
  // and "Slack refused the post" was wrong, Slack never saw it. The kind in words and its code, never an address.
  const notReached = slackNotReachedWords(error);
  if (notReached)
    return { outcome: { delivered: false, statusCode: null, error: `${SLACK_NOT_REACHED}${notReached}` }, refused: null };
  // An HTTP error status with no Slack answer in it (a proxy's 502/504 page, Slack's 503): its client's text ("An HTTP
  // protocol error occurred: statusCode = 502") was stored and said as "Slack refused the post".
  const httpStatus = (error as { statusCode?: unknown }).statusCode;
  if (e.code === 'slack_webapi_http_error' && typeof httpStatus === 'number')
    return { outcome: { delivered: false, statusCode: null, error: `${SLACK_ANSWERED_HTTP}${httpStatus}` }, refused: null };
  // The client form-encodes arguments before sending: a string it cannot encode fails here, every time.
  if (error instanceof URIError || e.code === 'ERR_INVALID_URI') {
    return {
      outcome: { delivered: false, statusCode: null, error: 'Slack client: URI malformed', deterministic: true },
      refused: 'URI malformed',
    };
  }
  const code = e.data?.error;
  // Slack's codes are snake_case words. The client puts a body it could not read as JSON (a proxy's HTML page, cut
  // short) in its place: said so, and never stored or shown (such a page may quote what was sent).
  if (code && !SLACK_CODE.test(code))
    return { outcome: { delivered: false, statusCode: null, error: SLACK_ANSWER_NOT_JSON }, refused: null };
  if (code && CONTENT_REFUSAL.test(code)) {
    return { outcome: { delivered: false, statusCode: 200, error: `Slack: ${code}`, deterministic: true }, refused: code };
  }
  return {
    outcome: { delivered: false, statusCode: null, error: code ? `Slack: ${code}` : describeError(error) },
    refused: null,
  };
}

/** The arguments of a post or update: blocks only when there are some (a minimal post is text alone). */
export const messageArgs = (rendered: SlackMessage) => ({
  text: rendered.text,
  ...(rendered.blocks.length > 0 ? { blocks: rendered.blocks } : {}),
});

export interface SlackRelaySenderOptions {
  client: webApi.WebClient;
  threads: SlackThreadsRepository;
  posts: SlackPostsRepository;
  /** Where a message stands on PortSIP, as its post shows it. */
  portsipState: (inboundMessageId: number) => PortsipState;
  /** The Slack leg's pace, shared with the updater of delivery states. */
  pace: SlackPace;
  /** A post showed a state that changed while it was being sent: the updater has work. */
  onStale?: () => void;
  /** What of a message is shown (SMS_MASK_CODES); the same function renders the in-place edits. */
  shown?: SlackShown;
  /**
   * Slack took a post but smsops could not remember it (its thread or the post, for the state updates): the SMS is
   * shown all the same, so it counts as delivered; this is told why the post will not be threaded or updated.
   */
  onUnrecorded?: (error: unknown) => void;
  /** A day's first post of a conversation links to its thread of the day before. */
  continuation?: ThreadContinuation;
  /** The zone whose midnight starts a conversation's new thread: the team's (SCHEDULE_TIMEZONE); UTC when absent. */
  threadTimeZone?: string;
  /**
   * Turns at starting a conversation's thread of a day, shared with "Answer" on grouped posts (threadStartKey): without
   * them an SMS posted while someone pressed Answer for its customer was left beside their new thread, no one's.
   */
  threadStarts?: ThreadStartTurns;
}

/** The states a post shows, as kept with it: an update is needed only when this changes. */
export const shownState = (states: readonly PortsipState[]) => JSON.stringify(states);

/**
 * The Slack leg. A single message goes into its conversation's thread of the day (the first one of the day starts
 * it); several due for one channel at once are coalesced into posts as large as Slack accepts, so a storm costs few
 * posts and nothing is dropped. A post Slack refuses for its content is split in halves down to single messages, and a
 * single message it refuses is posted as a minimal text rather than holding its conversation back. Every post is
 * recorded with the messages it shows, for the in-place updates of their PortSIP state. Its own client rejects
 * rate-limited calls instead of pausing: the outbox retries after Retry-After, and the client that answers people is
 * never held up by the relay.
 */
export function createSlackRelaySender(options: SlackRelaySenderOptions) {
  const { client, threads, posts, pace } = options;
  const shownMessage: SlackShown = options.shown ?? ((message) => message);

  /**
   * Rendered once it is the post's turn of the pace, not before: the post shows the PortSIP states of that moment, not
   * of up to a pace earlier (a state that changed meanwhile took an edit, and edits share the pace with new posts).
   * The event loop gets a turn between the rendering (2-3 ms for a coalesced post) and the Web API call's own work
   * (~1.5 ms): before, the rendering ran in one piece with the recording of the post before and the next claim (4-7 ms
   * at 1,000 webhooks/s). Whether that moves the ack p99 was not shown: the pairs measured were within the noise.
   */
  const post = async (run: Run, channel: string, render: () => SlackMessage, threadTs?: string) => {
    const { attempt } = run;
    const givenUp = () => new NotPosted(attempt?.signal.aborted ? 'given up' : 'stopping');
    const limits = { method: 'chat.postMessage', channel } as const;
    // Looked at before the turn (a held post takes none) and again at it: another post may have been answered 429
    // while this one waited.
    const held = pace.holds.remainingMs(limits);
    if (held > 0) throw new HeldByRetryAfter(held);
    // The wait for the turn is the pace at work, not a hang: the relay's attempt timeout runs from the call only. With
    // the wait counted (SLACK_RELAY_PACE_MS may be a minute, and a coalesced send makes several posts, each paced),
    // attempts that were only waiting timed out and were retried.
    attempt?.waiting();
    // Stopping or given up: not posted, and not an attempt either (see classifySlackFailure).
    if (!(await pace.turn('post', attempt?.signal))) throw givenUp();
    const rendered = render();
    await nextTurn();
    // The relay may have given up meanwhile (stopping, or the call before this one in the send ran past its timeout):
    // it records the attempt as failed, or gives the delivery back, and sends it again, so a post now would show the
    // SMS twice (one SMS was posted four times so). A call begun cannot be recalled: for those, at-least-once.
    if (attempt?.signal.aborted) throw givenUp();
    const heldNow = pace.holds.remainingMs(limits);
    if (heldNow > 0) throw new HeldByRetryAfter(heldNow);
    attempt?.calling();
    try {
      return await client.chat.postMessage({
        channel,
        ...messageArgs(rendered),
        unfurl_links: false,
        unfurl_media: false,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      } as webApi.ChatPostMessageArguments);
    } catch (error) {
      const { outcome } = classifySlackFailure(error);
      if (outcome.statusCode === 429 && outcome.retryAfterMs) pace.holds.hold(limits, outcome.retryAfterMs);
      throw error;
    }
  };

  const record = (
    channel: string,
    ts: string | undefined,
    layout: SlackPostLayout,
    ids: number[],
    shown: PortsipState[],
    reason?: string,
  ) => {
    if (!ts) return;
    const id = posts.record({
      channel,
      ts,
      layout,
      minimalReason: reason ?? null,
      shownState: shownState(shown),
      messageIds: ids,
    });
    // A PortSIP outcome may have come in while the post was on its way: then it shows an old state already.
    if (shownState(ids.map(options.portsipState)) !== shownState(shown)) {
      posts.markDirty(id);
      options.onStale?.();
    }
  };

  const delivered: AttemptOutcome = { delivered: true, statusCode: 200 };

  /**
   * What is written after Slack answered ok. A failure here is not Slack's: taken as one, the SMS would be posted
   * again and again (every retry, for as long as the write fails). The post stays; only its bookkeeping is lost.
   */
  const remember = (write: () => void) => {
    try {
      write();
    } catch (error) {
      options.onUnrecorded?.(error);
    }
  };

  /**
   * Within one send: after a failure that is not about the content (rate limit, network), the rest waits. `attempt`:
   * the relay's attempt the send belongs to.
   */
  type Run = { halted?: AttemptOutcome; attempt?: RelayedSmsAttempt };
  const halt = (run: Run, outcome: AttemptOutcome) => {
    run.halted = outcome;
    return outcome;
  };

  const postOne = async (run: Run, { delivery, message }: Item): Promise<AttemptOutcome> => {
    if (run.halted) return run.halted;
    const channel = delivery.destination;
    const day = localDay(message.ingestedAt, options.threadTimeZone);
    let threadTs = threads.get(channel, delivery.conversationKey, day);
    let continues = threadTs ? undefined : await options.continuation?.forNewThread(channel, delivery.conversationKey, day);
    /** The day's thread Slack no longer has (its parent deleted in Slack): this post starts the day's thread anew. */
    let lostTs: string | undefined;
    const replayed = delivery.replayedAt !== null;
    const postedAndFiled = async (layout: SlackPostLayout, render: (state: PortsipState) => SlackMessage, reason?: string) => {
      let state: PortsipState = { kind: 'none' };
      const answer = await post(
        run,
        channel,
        () => {
          state = options.portsipState(message.id);
          return withContinuation(render(state), continues);
        },
        threadTs,
      );
      remember(() => {
        if (threadTs || !answer.ts) return;
        if (lostTs) threads.replace(channel, delivery.conversationKey, day, lostTs, answer.ts);
        else threads.set(channel, delivery.conversationKey, day, answer.ts);
      });
      remember(() => record(channel, answer.ts, layout, [message.id], [state], reason));
      run.attempt?.settled(delivery.id, delivered);
      return delivered;
    };
    // A day's first post takes the conversation's turn, as "Answer" on a grouped post does, and looks again in it: a
    // thread Answer started while this one waited is this SMS's thread. Looked at only before the turn, the SMS was
    // posted beside the thread Answer filed meanwhile, where a reply under it reached no one (a probe).
    const postedOnce: typeof postedAndFiled = async (layout, render, reason) => {
      if (threadTs || !options.threadStarts) return postedAndFiled(layout, render, reason);
      return options.threadStarts(threadStartKey(channel, delivery.conversationKey, day), async () => {
        const filed = lostTs ? undefined : threads.get(channel, delivery.conversationKey, day);
        if (filed) {
          threadTs = filed;
          continues = undefined;
        }
        return postedAndFiled(layout, render, reason);
      });
    };
    // Someone deleted the day's parent post in Slack (one with no replies leaves nothing behind): Slack refuses every
    // reply under it, so retried as is, this SMS and each later one of the conversation that day would wait out
    // RELAY_DEAD_AFTER_HOURS unseen. Posted instead as the start of a new thread, which takes the old one's place.
    const posted: typeof postedOnce = async (layout, render, reason) => {
      try {
        return await postedOnce(layout, render, reason);
      } catch (error) {
        if (!threadTs || slackErrorCode(error) !== 'thread_not_found') throw error;
        lostTs = threadTs;
        threadTs = undefined;
        continues = THREAD_LOST_LINE;
        return await postedOnce(layout, render, reason);
      }
    };
    // Refused for what it shows, a message is shown shorter, then as a minimal text naming who wrote to whom and
    // where to read it: never retried as is.
    const forms: Array<[SlackPostLayout, (state: PortsipState, reason: string) => SlackMessage]> = [
      ['single', (state) => inboundSmsMessage(shownMessage(message), state, { replayed })],
      ['short', (state) => inboundSmsMessage(shownMessage(message), state, { short: true, replayed })],
      ['minimal', (state, reason) => minimalSmsMessage(shownMessage(message), reason, state)],
    ];
    let refusal: SlackFailure | undefined;
    for (const [layout, render] of forms) {
      // The short form is the same post when the text fits in one section anyway.
      if (layout === 'short' && shownMessage(message).text.length <= SMS_TEXT_PIECE_MAX) continue;
      const reason = refusal?.refused ?? undefined;
      try {
        return await posted(layout, (state) => render(state, reason ?? 'refused'), reason);
      } catch (error) {
        refusal = classifySlackFailure(error);
        if (!refusal.refused) return halt(run, refusal.outcome);
      }
    }
    return refusal?.outcome ?? classifySlackFailure(new Error('no form to post')).outcome;
  };

  const postBatch = async (run: Run, channel: string, items: Item[]): Promise<AttemptOutcome[]> => {
    const { halted } = run;
    if (halted) return items.map(() => halted);
    const [only] = items;
    if (items.length === 1 && only) return [await postOne(run, only)];
    let states: PortsipState[] = [];
    // What the post shows: set when it is rendered, at its turn. A post not rendered (smsops stopping) took nothing.
    let taken: Item[] = [];
    let outcomes: AttemptOutcome[];
    try {
      const answer = await post(run, channel, () => {
        states = items.map((i) => options.portsipState(i.message.id));
        const batch = inboundBatchMessage(
          items.map((i, n) => ({ message: shownMessage(i.message), portsip: states[n] ?? { kind: 'none' } })),
        );
        taken = items.slice(0, batch.shown);
        return batch.message;
      });
      remember(() =>
        record(
          channel,
          answer.ts,
          'batch',
          taken.map((i) => i.message.id),
          states.slice(0, taken.length),
        ),
      );
      outcomes = taken.map(() => delivered);
      for (const item of taken) run.attempt?.settled(item.delivery.id, delivered);
    } catch (error) {
      const failure = classifySlackFailure(error);
      if (!failure.refused) return items.map(() => halt(run, failure.outcome));
      // Refused as a whole: never retried as is, but in halves (down to single messages).
      const half = Math.ceil(taken.length / 2);
      outcomes = [
        ...(await postBatch(run, channel, taken.slice(0, half))),
        ...(await postBatch(run, channel, taken.slice(half))),
      ];
    }
    // What did not fit goes in the next posts (paced like any other).
    return taken.length < items.length ? [...outcomes, ...(await postBatch(run, channel, items.slice(taken.length)))] : outcomes;
  };

  return {
    send: async (batch: Item[], attempt?: RelayedSmsAttempt): Promise<AttemptOutcome[]> => {
      const byChannel = new Map<string, Item[]>();
      for (const item of batch)
        byChannel.set(item.delivery.destination, [...(byChannel.get(item.delivery.destination) ?? []), item]);
      const outcomes = new Map<number, AttemptOutcome>();
      for (const [channel, items] of byChannel) {
        // Each channel has its own rate limit in Slack: one halted does not stop the next.
        const results = await postBatch({ attempt }, channel, items);
        for (const [i, item] of items.entries()) {
          const outcome = results[i] ?? classifySlackFailure(new Error('no result')).outcome;
          outcomes.set(item.delivery.id, outcome);
          // Told at once: should a later channel's call hang past the relay's timeout, this one is not posted again.
          attempt?.settled(item.delivery.id, outcome);
        }
      }
      return batch.map((item) => outcomes.get(item.delivery.id) ?? classifySlackFailure(new Error('no result')).outcome);
    },
  };
}
