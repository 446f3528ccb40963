import type { RelayThread, SlackThreadsRepository } from '../../core/ports/slackThreads.js';
import type { Db } from '../database.js';

export type { SlackThreadsRepository } from '../../core/ports/slackThreads.js';

export function createSlackThreadsRepository(db: Db, now: () => number = Date.now): SlackThreadsRepository {
  const select = db.prepare<[string, string, string], { thread_ts: string }>(
    'SELECT thread_ts FROM slack_threads WHERE channel = ? AND conversation_key = ? AND day = ?',
  );
  const insert = db.prepare(
    'INSERT INTO slack_threads (channel, conversation_key, day, thread_ts, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  // Migration 020's index. Two conversations never share a parent post, so one row at most.
  const byTs = db.prepare<[string, string], { channel: string; conversation_key: string; day: string; thread_ts: string }>(
    'SELECT channel, conversation_key, day, thread_ts FROM slack_threads WHERE channel = ? AND thread_ts = ? LIMIT 1',
  );
  return {
    get: (channel, key, day) => select.get(channel, key, day)?.thread_ts,
    set: (channel, key, day, ts) => {
      insert.run(channel, key, day, ts, now());
    },
    byThreadTs: (channel, threadTs): RelayThread | undefined => {
      const row = byTs.get(channel, threadTs);
      return row
        ? { channel: row.channel, threadTs: row.thread_ts, conversationKey: row.conversation_key, day: row.day }
        : undefined;
    },
  };
}
