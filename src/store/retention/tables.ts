import { maskedCustomerNumberSql, unmaskedNumberSql } from '../../core/customerNumberMask.js';
import { CUSTOMER_NUMBER_AUDIT_ACTIONS } from '../../core/model/audit.js';

/**
 * What the retention job deletes, one spec per table. A table is bounded by adding one line here; the job, its
 * batching and its counts follow from the spec. Order matters: children before parents they point at, and the
 * traffic rollups after the messages, because deleting a message marks its hour stale (triggers of migration 010)
 * and that mark is cleared with the rollups of the hours it belongs to.
 */

/**
 * Which setting a table's age limit comes from: RETENTION_DAYS or AUDIT_RETENTION_DAYS (0 keeps all), or, for the
 * record of deleted Slack threads, RETENTION_DAYS plus EXPIRED_THREADS_KEPT_DAYS (never all).
 */
export type RetentionWindow = 'data' | 'audit' | 'expiredThreads';

/**
 * How long past RETENTION_DAYS smsops remembers that a Slack thread was an SMS conversation it deleted, so a reply
 * there is told so. A year covers someone scrolling back to last season's threads; past it a reply is left without a
 * word, as under any old post, and the record (a row per conversation and day) stays bounded.
 */
export const EXPIRED_THREADS_KEPT_DAYS = 365;

export interface RetentionTable {
  table: string;
  /** The columns that identify a row: one (usually the rowid) or several (a WITHOUT ROWID table's primary key). */
  key: readonly string[];
  /** The row's time in ms since the epoch. An index must lead with exactly this expression, or each batch scans. */
  at: string;
  window: RetentionWindow;
  /** A row is deleted only when this SQL condition holds too; otherwise it is kept whatever its age. */
  onlyIf?: string;
  /** The newest rows are kept whatever their age; older ones go even when the window keeps everything. */
  keepNewest?: number;
  /** Rows of other tables belonging to a deleted row (by `column` = its key), deleted in the same batch and counted. */
  children?: readonly { table: string; column: string }[];
  /** SQL run in each batch's transaction after its deletes: state that must follow what was deleted. */
  afterBatch?: string;
  /**
   * What the deleted rows still owed someone, never delivered (a table with children only): SQL given the batch's keys
   * as a JSON array, giving rows of `kind`, `destination` and `n`. Counted apart in the report and told to the relay's
   * dead-letter alert, which otherwise read "Resolved" at the next delivery there, as if they had been replayed.
   */
  unsent?: string;
  /** Why a row older than the limit can still be there (`onlyIf` kept it): reported with their count after a run. */
  keptBecause?: string;
  /**
   * The rows stay and only what they hold of a person goes: `set` (an UPDATE's assignments) rewrites them in the table
   * `in`, and `table` names what went, for the report ("2 customer numbers in audit_log"). `onlyIf` must leave out the
   * rows already rewritten, or each run would take them again.
   */
  rewrite?: { in: string; set: string };
}

/** Job runs kept whatever the window: a cron with seconds can record tens of thousands a day. */
export const JOB_RUNS_KEPT = 10_000;

export const RETENTION_TABLES: readonly RetentionTable[] = [
  // A message goes only when every delivery of it is finished (delivered, or dead after its retry window): one still
  // pending or in flight is kept however old, so retention never takes a message the relay still owes someone.
  // Written as "not finished" rather than a list of the in-progress states, so a state added later is kept too.
  {
    table: 'inbound_messages',
    key: ['id'],
    at: 'ingested_at',
    window: 'data',
    // Nor one still in the Slack leg's queue (no Slack delivery yet: migration 028).
    onlyIf: `NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.inbound_message_id = inbound_messages.id
      AND d.status NOT IN ('delivered', 'dead'))
      AND inbound_messages.id <= (SELECT through_message_id FROM slack_queue WHERE id = 1)`,
    children: [
      { table: 'deliveries', column: 'inbound_message_id' },
      { table: 'slack_post_messages', column: 'inbound_message_id' },
    ],
    keptBecause: 'a delivery still pending',
    // A dead delivery's message goes (a dead letter is kept for RETENTION_DAYS, not for ever), but not in silence.
    unsent: `SELECT destination_kind AS kind, destination, count(*) AS n FROM deliveries
      WHERE status = 'dead' AND inbound_message_id IN (SELECT value FROM json_each(?)) GROUP BY destination_kind, destination`,
    // SQLite gives a new row the largest rowid plus one: once the newest messages are deleted (no SMS for longer than
    // RETENTION_DAYS), their ids are handed out again, and the Slack leg's queue, past them already, took none of the
    // new ones: they reached PortSIP and never Slack, counted nowhere. Every message up to the new largest id has
    // left the queue (the condition above), so the queue goes back to it.
    afterBatch: `UPDATE slack_queue SET through_message_id = coalesce((SELECT max(id) FROM inbound_messages), 0)
      WHERE id = 1 AND through_message_id > coalesce((SELECT max(id) FROM inbound_messages), 0)`,
  },
  // Reports before their messages: deleting an outbound message updates the reports pointing at it (SET NULL).
  { table: 'delivery_reports', key: ['id'], at: 'received_at', window: 'data' },
  // The same expression as the outbound_messages_traffic_at index (migration 010).
  { table: 'outbound_messages', key: ['id'], at: 'coalesce(submitted_at, sent_at, updated_at)', window: 'data' },
  // Ids of texts `/sms forget` removed, kept from being stored again while Wavix may still list or report them.
  { table: 'forgotten_messages', key: ['wavix_message_id'], at: 'forgotten_at', window: 'data' },
  // Also capped at the newest 1,000 on every insert (src/store/repositories/rejectedWebhooks.ts); unindexed, but small.
  { table: 'rejected_webhooks', key: ['id'], at: 'received_at', window: 'data' },
  // A post's message links go with their messages (above) or with the post (ON DELETE CASCADE). A post still linked
  // shows a message kept above (still owed): deleted, its "PortSIP retrying" line was never edited to "PortSIP ✓" when
  // PortSIP took it at last, nor found by /sms forget (a probe). It goes with the run after its last message.
  {
    table: 'slack_posts',
    key: ['id'],
    at: 'posted_at',
    window: 'data',
    onlyIf: 'NOT EXISTS (SELECT 1 FROM slack_post_messages pm WHERE pm.post_id = slack_posts.id)',
    keptBecause: 'it shows an SMS still owed',
  },
  // Each deleted anchor is recorded in expired_slack_threads by a trigger (migration 032): a reply there is told the
  // conversation is gone, where one under any other old post of smsops' is left alone.
  // A day's thread showing an SMS still owed (kept above, like its post) stays too: deleted, a reply
  // there was told its conversation was gone while the customer's SMS was still being relayed (a probe). Its SMS
  // are looked for from a minute before the thread's record (written once Slack answered the first post) to 26 hours
  // after it (a team's day, a daylight-saving change included); old ones left at this point are those kept above.
  {
    table: 'slack_threads',
    key: ['rowid'],
    at: 'created_at',
    window: 'data',
    // Found by the customer's number (the inbound_messages_from index; the key is `<from>→<to>`, a sender with a `→`
    // of its own is not found), not by the posts: reading a day's kept posts for each thread of that day held the
    // event loop 5.2 s per batch with 5,000 SMS owed (a probe).
    onlyIf: `NOT EXISTS (SELECT 1 FROM inbound_messages m
      WHERE m.from_number = substr(slack_threads.conversation_key, 1, instr(slack_threads.conversation_key, '→') - 1)
        AND m.from_number || '→' || m.to_number = slack_threads.conversation_key
        AND m.ingested_at >= slack_threads.created_at - 60000 AND m.ingested_at < slack_threads.created_at + 93600000
        AND m.ingested_at < @cutoff)`,
    keptBecause: 'its conversation has an SMS still owed',
  },
  // Aged from the thread's start, like its anchor: a year past the anchor's own window.
  { table: 'expired_slack_threads', key: ['channel', 'thread_ts'], at: 'created_at', window: 'expiredThreads' },
  // Also capped at the newest 10,000 by its repository.
  { table: 'schema_warnings', key: ['id'], at: 'received_at', window: 'data' },
  // The latest run of each job stays (`/sms jobs` shows it), and so does a run still going (this one).
  {
    table: 'job_runs',
    key: ['id'],
    at: 'started_at',
    window: 'data',
    keepNewest: JOB_RUNS_KEPT,
    onlyIf: "outcome <> 'running' AND id NOT IN (SELECT max(id) FROM job_runs GROUP BY job)",
  },
  { table: 'traffic_hourly', key: ['hour_start', 'number'], at: 'hour_start', window: 'data' },
  { table: 'traffic_failure_reasons', key: ['hour_start', 'number', 'reason'], at: 'hour_start', window: 'data' },
  // A negated hour is one a stepped refresh is reading (src/store/repositories/trafficSteps.ts): its mark stays, or
  // the figures read would be dropped and the hour left unmarked.
  { table: 'traffic_stale_hours', key: ['hour_start'], at: 'hour_start', window: 'data', onlyIf: 'hour_start >= 0' },
  // Conversations (migration 019). A reply's row is its delivery record, bounded like the messages it answers.
  { table: 'conversation_replies', key: ['id'], at: 'created_at', window: 'data' },
  // Slack retries an event within minutes; the data window keeps far more than needed, and a row is a few bytes.
  { table: 'processed_slack_events', key: ['event_id'], at: 'received_at', window: 'data' },
  // An opt-out in force (lifted_at NULL) is never deleted: forgetting one would text someone who said STOP. A lifted
  // one is consent history, kept as long as the audit log, counted from when it was lifted.
  { table: 'opt_outs', key: ['id'], at: 'lifted_at', window: 'audit', onlyIf: 'lifted_at IS NOT NULL' },
  { table: 'audit_log', key: ['id'], at: 'at', window: 'audit' },
  // A reply's entry names its customer: past RETENTION_DAYS, when the conversation it belongs to is gone, the entry
  // (who replied, when, from which number, the outcome) stays for AUDIT_RETENTION_DAYS with the number masked.
  {
    table: 'customer numbers in audit_log',
    rewrite: {
      in: 'audit_log',
      set: `target = ${maskedCustomerNumberSql('target')},
        params = CASE WHEN json_valid(params) AND json_type(params, '$.to') = 'text'
          THEN json_set(params, '$.to', ${maskedCustomerNumberSql("json_extract(params, '$.to')")}) ELSE params END,
        detail = replace(detail, target, ${maskedCustomerNumberSql('target')})`,
    },
    key: ['id'],
    at: 'at',
    window: 'data',
    onlyIf: `action IN (${CUSTOMER_NUMBER_AUDIT_ACTIONS.map((a) => `'${a}'`).join(', ')}) AND ${unmaskedNumberSql('target')}`,
  },
];
