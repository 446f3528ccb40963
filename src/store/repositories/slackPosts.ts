import type { Db } from '../database.js';
import { literalLimit } from '../literalLimit.js';

/** `short`: a single SMS in one section, after Slack refused the long form. */
export type SlackPostLayout = 'single' | 'short' | 'batch' | 'minimal';

/** One post of the Slack leg and the inbound messages it shows, in the order it shows them. */
export interface SlackPost {
  id: number;
  channel: string;
  ts: string;
  layout: SlackPostLayout;
  /** For a minimal post: Slack's error code that refused the full one. */
  minimalReason: string | null;
  postedAt: number;
  /** The delivery states the post shows (compared, so an update that would change nothing is not sent). */
  shownState: string;
  /** Non-zero while the post needs an update; every state change bumps it. */
  dirty: number;
  nextUpdateAt: number;
  updateAttempts: number;
  lastUpdateError: string | null;
  messageIds: number[];
}

interface Row {
  id: number;
  channel: string;
  ts: string;
  layout: SlackPostLayout;
  minimal_reason: string | null;
  posted_at: number;
  shown_state: string;
  dirty: number;
  next_update_at: number;
  update_attempts: number;
  last_update_error: string | null;
  message_ids: string;
}

const toPost = (r: Row): SlackPost => ({
  id: r.id,
  channel: r.channel,
  ts: r.ts,
  layout: r.layout,
  minimalReason: r.minimal_reason,
  postedAt: r.posted_at,
  shownState: r.shown_state,
  dirty: r.dirty,
  nextUpdateAt: r.next_update_at,
  updateAttempts: r.update_attempts,
  lastUpdateError: r.last_update_error,
  messageIds: r.message_ids ? r.message_ids.split(',').map(Number) : [],
});

export interface SlackPostsRepository {
  record(post: {
    channel: string;
    ts: string;
    layout: SlackPostLayout;
    minimalReason?: string | null;
    shownState: string;
    messageIds: readonly number[];
  }): number;
  /** A message's delivery state changed: every post showing it needs an update. Returns how many posts. */
  markDirtyForMessage(inboundMessageId: number): number;
  markDirty(postId: number): void;
  /** Posts needing an update whose backoff is over, oldest change first. */
  dueUpdates(limit: number): SlackPost[];
  /** When the next update is due (for the updater's sleep); undefined when none is wanted. */
  nextDueAt(): number | undefined;
  /** The post now shows `shownState`; it stays dirty if another change came in since `seenDirty` was read. */
  updated(postId: number, seenDirty: number, shownState: string): void;
  /** An update failed and is tried again at `nextUpdateAt`. */
  updateFailed(postId: number, error: string, nextUpdateAt: number): void;
  /**
   * The wall clock went back by `stepMs` (0: not known, at start): waits set by the later clock are moved back by the
   * step, and any wait further ahead than `maxAheadMs` (longer than any the updater sets) ends now. Returns how many.
   */
  dueAfterClockStep(stepMs: number, maxAheadMs: number): number;
  /**
   * Slack refused an edit for its channel (archived, out of the bot's sight): every post of the channel waiting for an
   * edit waits as this one does, with its count of tries, so the channel costs one call a try, not one per post.
   */
  channelUpdatesFailed(channel: string, error: string, attempts: number, nextUpdateAt: number): void;
  /** The channel stayed unavailable for good: no post of it waiting for an edit is tried again. */
  abandonChannelUpdates(channel: string, error: string): number;
  /** An update Slack will never accept (the message is gone, cannot be edited): stop trying, keep why. */
  abandonUpdate(postId: number, seenDirty: number, error: string): void;
  get(postId: number): SlackPost | undefined;
  /** The post Slack knows by this ts in this channel (a thread's parent, when someone replies under it). */
  at(channel: string, ts: string): SlackPost | undefined;
  forMessage(inboundMessageId: number): SlackPost[];
}

const SELECT = `SELECT p.*, (SELECT group_concat(inbound_message_id, ',') FROM
  (SELECT inbound_message_id FROM slack_post_messages WHERE post_id = p.id ORDER BY position)) AS message_ids
  FROM slack_posts p`;

export function createSlackPostsRepository(db: Db, now: () => number = Date.now): SlackPostsRepository {
  const insertPost = db.prepare(`
    INSERT INTO slack_posts (channel, ts, layout, minimal_reason, posted_at, shown_state) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (channel, ts) DO UPDATE SET shown_state = excluded.shown_state RETURNING id`);
  const insertMessage = db.prepare(
    'INSERT OR IGNORE INTO slack_post_messages (post_id, inbound_message_id, position) VALUES (?, ?, ?)',
  );
  // The posts showing a message, read first: every PortSIP outcome asks, and mostly the message is not posted yet (the
  // Slack leg is paced); an UPDATE … WHERE id IN (subquery) cost 3.6-4.5 µs even then, this read 0.5-0.7 µs.
  const postsOfMessage = db
    .prepare<[number], number>('SELECT post_id FROM slack_post_messages WHERE inbound_message_id = ?')
    .pluck();
  const dirtyOne = db.prepare('UPDATE slack_posts SET dirty = dirty + 1 WHERE id = ?');
  const due = literalLimit((limit) =>
    db.prepare<[number], Row>(
      `${SELECT} WHERE p.dirty > 0 AND p.next_update_at <= ? ORDER BY p.next_update_at, p.id LIMIT ${limit}`,
    ),
  );
  const nextDue = db.prepare<[], { at: number | null }>('SELECT min(next_update_at) AS at FROM slack_posts WHERE dirty > 0');
  const done = db.prepare(`
    UPDATE slack_posts SET shown_state = @state, dirty = CASE WHEN dirty = @seen THEN 0 ELSE dirty END,
      update_attempts = 0, last_update_error = NULL, next_update_at = 0 WHERE id = @id`);
  const failed = db.prepare(`
    UPDATE slack_posts SET update_attempts = update_attempts + 1, last_update_error = @error, next_update_at = @next
    WHERE id = @id`);
  // Only the rows it moves: with no step seen (the first turn after a start), those further ahead than any wait smsops
  // sets; a row rewritten to its own value counted as moved, and an ordinary Retry-After read as a clock step.
  const dueAgain = db.prepare<{ now: number; step: number; ahead: number }>(`
    UPDATE slack_posts
    SET next_update_at = CASE WHEN next_update_at > @now + @ahead THEN @now ELSE max(@now, next_update_at - @step) END
    WHERE dirty > 0 AND next_update_at > @now AND (@step > 0 OR next_update_at > @now + @ahead)`);
  const channelFailed = db.prepare(`
    UPDATE slack_posts SET update_attempts = @attempts, last_update_error = @error, next_update_at = @next
    WHERE channel = @channel AND dirty > 0`);
  const channelAbandoned = db.prepare(`
    UPDATE slack_posts SET dirty = 0, last_update_error = @error, update_attempts = update_attempts + 1
    WHERE channel = @channel AND dirty > 0`);
  const abandoned = db.prepare(`
    UPDATE slack_posts SET dirty = CASE WHEN dirty = @seen THEN 0 ELSE dirty END, last_update_error = @error,
      update_attempts = update_attempts + 1 WHERE id = @id`);
  const byId = db.prepare<[number], Row>(`${SELECT} WHERE p.id = ?`);
  const byTs = db.prepare<[string, string], Row>(`${SELECT} WHERE p.channel = ? AND p.ts = ?`);
  const byMessage = db.prepare<[number], Row>(
    `${SELECT} WHERE p.id IN (SELECT post_id FROM slack_post_messages WHERE inbound_message_id = ?) ORDER BY p.id`,
  );

  const recordTx = db.transaction((post: Parameters<SlackPostsRepository['record']>[0]) => {
    const { id } = insertPost.get(post.channel, post.ts, post.layout, post.minimalReason ?? null, now(), post.shownState) as {
      id: number;
    };
    for (const [position, messageId] of post.messageIds.entries()) insertMessage.run(id, messageId, position);
    return id;
  });

  return {
    record: (post) => recordTx(post),
    markDirtyForMessage: (inboundMessageId) => {
      let marked = 0;
      for (const postId of postsOfMessage.all(inboundMessageId)) marked += dirtyOne.run(postId).changes;
      return marked;
    },
    markDirty: (postId) => {
      dirtyOne.run(postId);
    },
    dueUpdates: (limit) => due(limit).all(now()).map(toPost),
    nextDueAt: () => nextDue.get()?.at ?? undefined,
    updated: (postId, seen, state) => {
      done.run({ id: postId, seen, state });
    },
    updateFailed: (postId, error, next) => {
      failed.run({ id: postId, error: error.slice(0, 500), next });
    },
    dueAfterClockStep: (stepMs, maxAheadMs) => dueAgain.run({ now: now(), step: stepMs, ahead: maxAheadMs }).changes,
    channelUpdatesFailed: (channel, error, attempts, next) => {
      channelFailed.run({ channel, error: error.slice(0, 500), attempts, next });
    },
    abandonChannelUpdates: (channel, error) => channelAbandoned.run({ channel, error: error.slice(0, 500) }).changes,
    abandonUpdate: (postId, seen, error) => {
      abandoned.run({ id: postId, seen, error: error.slice(0, 500) });
    },
    get: (postId) => {
      const row = byId.get(postId);
      return row ? toPost(row) : undefined;
    },
    at: (channel, ts) => {
      const row = byTs.get(channel, ts);
      return row ? toPost(row) : undefined;
    },
    forMessage: (inboundMessageId) => byMessage.all(inboundMessageId).map(toPost),
  };
}
