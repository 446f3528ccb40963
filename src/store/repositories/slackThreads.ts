import type { Db } from '../database.js';

export interface SlackThreadsRepository {
  get(channel: string, conversationKey: string, day: string): string | undefined;
  set(channel: string, conversationKey: string, day: string, threadTs: string): void;
}

export function createSlackThreadsRepository(db: Db, now: () => number = Date.now): SlackThreadsRepository {
  const select = db.prepare<[string, string, string], { thread_ts: string }>(
    'SELECT thread_ts FROM slack_threads WHERE channel = ? AND conversation_key = ? AND day = ?',
  );
  const insert = db.prepare(
    'INSERT INTO slack_threads (channel, conversation_key, day, thread_ts, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  return {
    get: (channel, key, day) => select.get(channel, key, day)?.thread_ts,
    set: (channel, key, day, ts) => {
      insert.run(channel, key, day, ts, now());
    },
  };
}
