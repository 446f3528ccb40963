import type { Db } from '../database.js';

/** The Slack leg's queue of stored messages without a Slack delivery yet (migration 028). */
export interface SlackQueueRepository {
  /**
   * Gives the next `limit` queued messages their Slack delivery, in id order, and moves the queue past them, in one
   * transaction (the caller's when inside one). `channelOf` names the channel of a message to `to` (digits as Wavix
   * sent them), or null for none: the message then leaves the queue without a delivery. Returns how many messages
   * left the queue.
   */
  take(limit: number, channelOf: (to: string) => string | null): number;
  /** Whether the message waits in the queue (it has no Slack delivery yet, and will have one if a channel is set). */
  isQueued(inboundMessageId: number): boolean;
  /** How many messages wait, and when the first of them was stored; null when none. */
  waiting(): { count: number; oldestIngestedAt: number } | null;
}

interface Queued {
  id: number;
  from_number: string;
  to_number: string;
  ingested_at: number;
}

export function createSlackQueueRepository(db: Db, now: () => number = Date.now): SlackQueueRepository {
  const through = db.prepare<[], number>('SELECT through_message_id FROM slack_queue WHERE id = 1').pluck();
  const after = db.prepare<[number, number], Queued>(
    'SELECT id, from_number, to_number, ingested_at FROM inbound_messages WHERE id > ? ORDER BY id LIMIT ?',
  );
  // created_at is when the message was stored, so the backlog's age counts its wait in the queue; the retry window
  // starts now, as it would have when the delivery was stored with its message and reached its turn.
  const enqueue = db.prepare(`
    INSERT INTO deliveries (inbound_message_id, destination_kind, destination, conversation_key, next_attempt_at, created_at,
      retry_window_started_at)
    VALUES (?, 'slack', ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`);
  const advance = db.prepare<[number]>('UPDATE slack_queue SET through_message_id = ? WHERE id = 1');
  // The ids after the queue's head are consecutive (a rowid is one more than the largest; a duplicate webhook takes
  // none): the count is a subtraction, not a scan of a flood. Retention deleting a message still queued (it does not,
  // see ../retention/tables.ts) would make it an overcount.
  const tail = db.prepare<[], number | null>('SELECT max(id) FROM inbound_messages').pluck();
  const first = db.prepare<[number], number>('SELECT ingested_at FROM inbound_messages WHERE id > ? ORDER BY id LIMIT 1').pluck();

  const takeRows = (limit: number, channelOf: (to: string) => string | null) => {
    const rows = after.all(through.get() ?? 0, limit);
    const last = rows.at(-1);
    if (!last) return 0;
    const at = now();
    for (const row of rows) {
      const channel = channelOf(row.to_number);
      if (channel !== null) enqueue.run(row.id, channel, `${row.from_number}→${row.to_number}`, at, row.ingested_at, at);
    }
    advance.run(last.id);
    return rows.length;
  };
  const takeTx = db.transaction(takeRows);

  return {
    take: (limit, channelOf) => (db.inTransaction ? takeRows(limit, channelOf) : takeTx(limit, channelOf)),
    isQueued: (inboundMessageId) => inboundMessageId > (through.get() ?? 0),
    waiting: () => {
      const head = through.get() ?? 0;
      const count = (tail.get() ?? 0) - head;
      if (count <= 0) return null;
      const oldest = first.get(head);
      return oldest === undefined ? null : { count, oldestIngestedAt: oldest };
    },
  };
}
