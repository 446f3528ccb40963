import type { RelayThread, SlackThread, SlackThreadsRepository } from '../../core/ports/slackThreads.js';
import type { Db } from '../database.js';

export type { SlackThread, SlackThreadsRepository } from '../../core/ports/slackThreads.js';

export function createSlackThreadsRepository(db: Db, now: () => number = Date.now): SlackThreadsRepository {
  const select = db.prepare<[string, string, string], { thread_ts: string }>(
    'SELECT thread_ts FROM slack_threads WHERE channel = ? AND conversation_key = ? AND day = ?',
  );
  const insert = db.prepare(
    'INSERT INTO slack_threads (channel, conversation_key, day, thread_ts, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const move = db.prepare(
    'UPDATE slack_threads SET thread_ts = ?, created_at = ? WHERE channel = ? AND conversation_key = ? AND day = ? AND thread_ts = ?',
  );
  const previous = db.prepare<[string, string, string], SlackThread>(`
    SELECT day, thread_ts AS threadTs FROM slack_threads WHERE channel = ? AND conversation_key = ? AND day < ?
    ORDER BY day DESC LIMIT 1`);
  const previousOfThread = db.prepare<[string, string], { day: string; previousDay: string; previousTs: string }>(`
    SELECT started.day, earlier.day AS previousDay, earlier.thread_ts AS previousTs FROM slack_threads AS started
    JOIN slack_threads AS earlier
      ON earlier.channel = started.channel AND earlier.conversation_key = started.conversation_key AND earlier.day < started.day
    WHERE started.channel = ? AND started.thread_ts = ?
    ORDER BY earlier.day DESC LIMIT 1`);
  // Migration 020's index. Two conversations never share a parent post, so one row at most.
  const byTs = db.prepare<[string, string], { channel: string; conversation_key: string; day: string; thread_ts: string }>(
    'SELECT channel, conversation_key, day, thread_ts FROM slack_threads WHERE channel = ? AND thread_ts = ? LIMIT 1',
  );
  // Written by migration 032's trigger as retention deletes an anchor.
  const expired = db
    .prepare<[string, string], number>('SELECT created_at FROM expired_slack_threads WHERE channel = ? AND thread_ts = ?')
    .pluck();
  return {
    get: (channel, key, day) => select.get(channel, key, day)?.thread_ts,
    previous: (channel, key, day) => previous.get(channel, key, day),
    previousOfThread: (channel, threadTs) => {
      const row = previousOfThread.get(channel, threadTs);
      return row ? { day: row.day, previous: { day: row.previousDay, threadTs: row.previousTs } } : undefined;
    },
    set: (channel, key, day, ts) => {
      insert.run(channel, key, day, ts, now());
    },
    replace: (channel, key, day, oldTs, newTs) => {
      if (move.run(newTs, now(), channel, key, day, oldTs).changes === 0) insert.run(channel, key, day, newTs, now());
    },
    byThreadTs: (channel, threadTs): RelayThread | undefined => {
      const row = byTs.get(channel, threadTs);
      return row
        ? { channel: row.channel, threadTs: row.thread_ts, conversationKey: row.conversation_key, day: row.day }
        : undefined;
    },
    expired: (channel, threadTs) => expired.get(channel, threadTs) !== undefined,
    expiredStartedAt: (channel, threadTs) => expired.get(channel, threadTs),
  };
}
