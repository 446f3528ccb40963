import { CONVERSATION_KEY_SEPARATOR } from '../../core/model/conversationKey.js';
import { HOUR_MS, hourStartOf } from '../../core/model/traffic.js';
import type {
  CustomerRecords,
  CustomerRecordsStore,
  DeadSmsRemoved,
  RecordsMark,
  SlackPostRef,
} from '../../core/ports/customerRecords.js';
import type { Db } from '../database.js';
import { cutWal } from '../retention/walCut.js';
import { createTrafficRepository } from './traffic.js';
import { registerWholeNumberFunctions } from './wholeNumber.js';

/**
 * Every place a customer's number is stored (migrations 003 to 035), found by the number in both forms Wavix and
 * smsops write it (`447400123456`, `+447400123456`). Their SMS and everything about them goes; their opt-outs in force
 * stay; audit entries keep their place with the number masked.
 */
interface Numbers {
  d: string;
  p: string;
  /** A conversation key of theirs starts with one of these (`<customer>→<smsops number>`). */
  dk: string;
  pk: string;
}

/** The numbers, and the newest rows an erase takes (its mark): what came later is left. */
interface Bounded extends Numbers {
  ti: number;
  tr: number;
  to: number;
}

const numbersOf = (digits: string): Numbers => ({
  d: digits,
  p: `+${digits}`,
  dk: `${digits}${CONVERSATION_KEY_SEPARATOR}`,
  pk: `+${digits}${CONVERSATION_KEY_SEPARATOR}`,
});

const UNBOUNDED: RecordsMark = {
  inbound: Number.MAX_SAFE_INTEGER,
  reply: Number.MAX_SAFE_INTEGER,
  outbound: Number.MAX_SAFE_INTEGER,
};

const boundedOf = (digits: string, through: RecordsMark): Bounded => ({
  ...numbersOf(digits),
  ti: through.inbound,
  tr: through.reply,
  to: through.outbound,
});

// A message still owed somewhere: a delivery not finished, or not yet taken by the Slack leg (migration 028). The
// retention job's rule (src/store/retention/tables.ts), for the same reason: the relay still holds it.
const OWED = `(EXISTS (SELECT 1 FROM deliveries d WHERE d.inbound_message_id = m.id AND d.status NOT IN ('delivered', 'dead'))
  OR m.id > (SELECT through_message_id FROM slack_queue WHERE id = 1))`;
const THEIR_MESSAGES = 'FROM inbound_messages m WHERE m.from_number IN (@d, @p)';
const THEIR_REPLIES = 'FROM conversation_replies WHERE to_number IN (@d, @p)';
// A reply on its way: taken from its thread and being checked (queued), or being sent. Removed, a queued one was
// dropped at its send without a word to the person who wrote it; so it is owed, as a sending one is.
const UNDER_WAY = "status IN ('queued', 'sending')";
const THEIR_OUTBOUND = 'FROM outbound_messages WHERE to_number IN (@d, @p)';
const reportsOf = (
  outbound: string,
  replies: string,
) => `FROM delivery_reports WHERE outbound_message_id IN (SELECT id ${outbound})
  OR wavix_message_id IN (SELECT wavix_message_id ${outbound})
  OR wavix_message_id IN (SELECT wavix_message_id ${replies} AND wavix_message_id IS NOT NULL AND NOT ${UNDER_WAY})`;
const THEIR_REPORTS = reportsOf(THEIR_OUTBOUND, THEIR_REPLIES);
// What an erase takes: the rows up to its mark (Bounded). An SMS that came in, or a reply or text that went out, after
// the admin's Remove was checked against its question (while Slack's posts were being deleted) is not what they
// confirmed: it is left, as an SMS still owed is, whether or not the relay has finished with it by then.
const THEIR_REPLIES_THEN = `${THEIR_REPLIES} AND id <= @tr`;
const THEIR_OUTBOUND_THEN = `${THEIR_OUTBOUND} AND id <= @to`;
const THEIR_REPORTS_THEN = reportsOf(THEIR_OUTBOUND_THEN, THEIR_REPLIES_THEN);
const THEIR_THREADS = 'FROM slack_threads WHERE instr(conversation_key, @dk) = 1 OR instr(conversation_key, @pk) = 1';
// The number as a whole number (./wholeNumber.ts), not digits inside a longer one: instr() narrows the rows first.
const holds = (column: string) => `(instr(${column}, @d) > 0 AND holds_number(${column}, @d))`;
const THEIR_REJECTED = `FROM rejected_webhooks WHERE ${holds('CAST(body_excerpt AS BLOB)')}`;
const AUDIT_NAMING = `${holds('target')} OR ${holds('params')} OR ${holds('detail')}`;
const THEIR_AUDIT = `FROM audit_log WHERE ${AUDIT_NAMING}`;
const THEIR_OPT_OUTS = 'FROM opt_outs WHERE customer_number IN (@d, @p)';
// A reply's status line, unless the reply is being sent (its line is about to be edited).
const STATUS_LINES = `SELECT slack_channel AS channel, status_ts AS ts, created_at AS postedAt ${THEIR_REPLIES_THEN}
  AND status_ts IS NOT NULL AND NOT ${UNDER_WAY}`;

// Their threads' first posts that show no SMS ("Answer" on a grouped post starts a thread with a post of its own,
// naming the customer's number), among the threads an erase deletes (remove.threads' rule): no slack_posts row knows
// them, so an erase left them in the channel, the number with them (a probe). A relay thread's first post is an SMS
// post, deleted with it.
const THREAD_STARTS = `SELECT t.channel, t.thread_ts AS ts, t.created_at AS postedAt FROM slack_threads t
  WHERE (instr(t.conversation_key, @dk) = 1 OR instr(t.conversation_key, @pk) = 1)
    AND NOT EXISTS (SELECT 1 FROM slack_posts p WHERE p.channel = t.channel AND p.ts = t.thread_ts)
    AND NOT EXISTS (SELECT 1 ${THEIR_MESSAGES} AND (m.id > @ti OR ${OWED}))
    AND NOT EXISTS (SELECT 1 ${THEIR_REPLIES} AND (id > @tr OR ${UNDER_WAY}))`;

interface PostRow extends SlackPostRef {
  id: number;
  others: number;
}

export function createCustomerRecordsStore(db: Db, now: () => number = Date.now): CustomerRecordsStore {
  registerWholeNumberFunctions(db);
  const count = (sql: string) => db.prepare<Numbers, number>(`SELECT count(*) ${sql}`).pluck();
  const counts = {
    inboundMessages: count(THEIR_MESSAGES),
    deliveries: count(`FROM deliveries WHERE inbound_message_id IN (SELECT m.id ${THEIR_MESSAGES})`),
    undelivered: count(`${THEIR_MESSAGES} AND ${OWED}`),
    slackThreads: count(THEIR_THREADS),
    replies: count(THEIR_REPLIES),
    repliesSending: count(`${THEIR_REPLIES} AND ${UNDER_WAY}`),
    outboundMessages: count(THEIR_OUTBOUND),
    deliveryReports: count(THEIR_REPORTS),
    rejectedWebhooks: count(THEIR_REJECTED),
    auditEntries: count(THEIR_AUDIT),
    liftedOptOuts: count(`${THEIR_OPT_OUTS} AND lifted_at IS NOT NULL`),
    optOutsInForce: count(`${THEIR_OPT_OUTS} AND lifted_at IS NULL`),
  };
  const messageIds = db.prepare<Numbers, number>(`SELECT m.id ${THEIR_MESSAGES}`).pluck();
  const finishedIds = db.prepare<Bounded, number>(`SELECT m.id ${THEIR_MESSAGES} AND m.id <= @ti AND NOT ${OWED}`).pluck();
  // Theirs stored after the mark (SMS received, replies sent, texts to them Wavix first reported or listed then): left
  // by an erase bound by it. A text was left unsaid: a colleague's answer from PortSIP ONE reported during Remove
  // stayed, the admin told everything was removed. A later reply's own report is that reply, counted once.
  const laterOf = db
    .prepare<Bounded, number>(
      `SELECT (SELECT count(*) ${THEIR_MESSAGES} AND m.id > @ti) + (SELECT count(*) ${THEIR_REPLIES} AND id > @tr)
        + (SELECT count(*) ${THEIR_OUTBOUND} AND id > @to AND wavix_message_id NOT IN
            (SELECT wavix_message_id ${THEIR_REPLIES} AND id > @tr AND wavix_message_id IS NOT NULL))`,
    )
    .pluck();
  const newest = db.prepare<[], RecordsMark>(`SELECT
    (SELECT coalesce(max(id), 0) FROM inbound_messages) AS inbound,
    (SELECT coalesce(max(id), 0) FROM conversation_replies) AS reply,
    (SELECT coalesce(max(id), 0) FROM outbound_messages) AS outbound`);
  // The posts showing any of the messages, and how many messages of others (or left behind) each shows besides.
  const postsShowing = db.prepare<[string, string], PostRow>(`
    SELECT p.id, p.channel, p.ts, p.posted_at AS postedAt,
      (SELECT count(*) FROM slack_post_messages o WHERE o.post_id = p.id
        AND o.inbound_message_id NOT IN (SELECT value FROM json_each(?))) AS others
    FROM slack_posts p
    WHERE p.id IN (SELECT post_id FROM slack_post_messages WHERE inbound_message_id IN (SELECT value FROM json_each(?)))
    ORDER BY p.id`);
  const statusLines = db.prepare<Bounded, SlackPostRef>(STATUS_LINES);
  const threadStarts = db.prepare<Bounded, SlackPostRef>(THREAD_STARTS);
  const ownNumber = db
    .prepare<Numbers, number>(`SELECT EXISTS (SELECT 1 FROM routes WHERE number IN (@d, @p))
      OR EXISTS (SELECT 1 FROM inbound_messages WHERE to_number IN (@d, @p))
      OR EXISTS (SELECT 1 FROM outbound_messages WHERE from_number IN (@d, @p))
      OR EXISTS (SELECT 1 FROM conversation_replies WHERE from_number IN (@d, @p))`)
    .pluck();
  const hoursTouched = db.prepare<[string, Bounded], { first: number | null; last: number | null }>(`
    SELECT min(at) AS first, max(at) AS last FROM (
      SELECT ingested_at AS at FROM inbound_messages WHERE id IN (SELECT value FROM json_each(?))
      UNION ALL SELECT coalesce(submitted_at, sent_at, updated_at) ${THEIR_OUTBOUND_THEN})`);

  const remove = {
    ownPosts: db.prepare<[string]>('DELETE FROM slack_posts WHERE id IN (SELECT value FROM json_each(?))'),
    // Drawn again by the relay's post updater from the messages each still shows (its state list is shorter now).
    sharedPosts: db.prepare<[string]>(
      'UPDATE slack_posts SET dirty = dirty + 1, next_update_at = 0 WHERE id IN (SELECT value FROM json_each(?))',
    ),
    // Their deliveries and post links go with them (ON DELETE CASCADE); the traffic triggers mark their hours stale.
    messages: db.prepare<[string]>('DELETE FROM inbound_messages WHERE id IN (SELECT value FROM json_each(?))'),
    // As the retention job does after deleting the newest messages: their ids are handed out again (migration 028).
    queueBack: db.prepare(`UPDATE slack_queue SET through_message_id = coalesce((SELECT max(id) FROM inbound_messages), 0)
      WHERE id = 1 AND through_message_id > coalesce((SELECT max(id) FROM inbound_messages), 0)`),
    // Their texts' Wavix ids, before the records go: a later listing or late report of one is not stored again.
    forgotten: db.prepare<Bounded & { at: number }>(`INSERT OR IGNORE INTO forgotten_messages (wavix_message_id, forgotten_at)
      SELECT wavix_message_id, @at ${THEIR_OUTBOUND_THEN}
      UNION SELECT wavix_message_id, @at ${THEIR_REPLIES_THEN} AND wavix_message_id IS NOT NULL AND NOT ${UNDER_WAY}`),
    // Reports before the messages they point at (ON DELETE SET NULL would keep them).
    reports: db.prepare<Bounded>(`DELETE ${THEIR_REPORTS_THEN}`),
    outbound: db.prepare<Bounded>(`DELETE ${THEIR_OUTBOUND_THEN}`),
    replies: db.prepare<Bounded>(`DELETE ${THEIR_REPLIES_THEN} AND NOT ${UNDER_WAY}`),
    // Each anchor deleted is remembered without its conversation (migration 032): a reply there is told it is gone.
    // Kept while an SMS or reply of theirs is left (came later, or still owed): its post sits in one of them, and a
    // reply typed there must still reach them. The next `/sms forget` takes them with it.
    threads: db.prepare<Bounded>(`DELETE FROM slack_threads
      WHERE (instr(conversation_key, @dk) = 1 OR instr(conversation_key, @pk) = 1)
        AND NOT EXISTS (SELECT 1 ${THEIR_MESSAGES} AND (m.id > @ti OR ${OWED}))
        AND NOT EXISTS (SELECT 1 ${THEIR_REPLIES} AND (id > @tr OR ${UNDER_WAY}))`),
    rejected: db.prepare<Numbers>(`DELETE ${THEIR_REJECTED}`),
    liftedOptOuts: db.prepare<Numbers>(`DELETE ${THEIR_OPT_OUTS} AND lifted_at IS NOT NULL`),
    // Failure reasons quoting the number (Wavix's words about a text to them): gone with the erase, before the hours'
    // recount (which a refresh starting meanwhile may take over, writing them later).
    quotingReasons: db.prepare<Numbers & { from: number; to: number }>(`DELETE FROM traffic_failure_reasons
      WHERE hour_start >= @from AND hour_start < @to AND ${holds('reason')}`),
    audit: db.prepare<Numbers & { m: string }>(`UPDATE audit_log SET
      target = mask_number(target, @d, @m), params = mask_number(params, @d, @m), detail = mask_number(detail, @d, @m)
      WHERE ${AUDIT_NAMING}`),
  };
  // The dead letters among them, read before they go: the relay's dead-letter alert is told they were removed unsent.
  const deadOf = db.prepare<[string], DeadSmsRemoved>(`SELECT destination_kind AS kind, destination, count(*) AS n
    FROM deliveries WHERE status = 'dead' AND inbound_message_id IN (SELECT value FROM json_each(?))
    GROUP BY destination_kind, destination`);
  const traffic = createTrafficRepository(db, now);
  const editsOf = db.prepare<[string], SlackPostRef & { dirty: number; error: string | null }>(`
    SELECT channel, ts, posted_at AS postedAt, dirty, last_update_error AS error
    FROM slack_posts WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`);

  const held = (digits: string): CustomerRecords => {
    const n = boundedOf(digits, UNBOUNDED);
    const ids = JSON.stringify(messageIds.all(n));
    const posts = postsShowing.all(ids, ids);
    return {
      inboundMessages: counts.inboundMessages.get(n) ?? 0,
      deliveries: counts.deliveries.get(n) ?? 0,
      undelivered: counts.undelivered.get(n) ?? 0,
      slackPosts: posts.filter((p) => p.others === 0).length + statusLines.all(n).length + threadStarts.all(n).length,
      sharedSlackPosts: posts.filter((p) => p.others > 0).length,
      slackThreads: counts.slackThreads.get(n) ?? 0,
      replies: counts.replies.get(n) ?? 0,
      repliesSending: counts.repliesSending.get(n) ?? 0,
      outboundMessages: counts.outboundMessages.get(n) ?? 0,
      deliveryReports: counts.deliveryReports.get(n) ?? 0,
      rejectedWebhooks: counts.rejectedWebhooks.get(n) ?? 0,
      auditEntries: counts.auditEntries.get(n) ?? 0,
      liftedOptOuts: counts.liftedOptOuts.get(n) ?? 0,
      optOutsInForce: counts.optOutsInForce.get(n) ?? 0,
    };
  };

  /** The finished messages of the number, and the posts showing them: its own (nothing else shown) and shared. */
  const erasable = (n: Bounded) => {
    const ids = JSON.stringify(finishedIds.all(n));
    const posts = postsShowing.all(ids, ids);
    return {
      ids,
      own: posts.filter((p) => p.others === 0),
      shared: posts.filter((p) => p.others > 0),
    };
  };
  const refOf = ({ channel, ts, postedAt }: SlackPostRef): SlackPostRef => ({ channel, ts, postedAt });

  const erase = db.transaction((digits: string, masked: string, through: RecordsMark) => {
    const n = boundedOf(digits, through);
    const before = held(digits);
    const { ids, own, shared } = erasable(n);
    const slackPosts = [...own.map(refOf), ...statusLines.all(n), ...threadStarts.all(n)];
    const hours = hoursTouched.get(ids, n);
    const deadRemoved = deadOf.all(ids);
    remove.ownPosts.run(JSON.stringify(own.map((p) => p.id)));
    remove.sharedPosts.run(JSON.stringify(shared.map((p) => p.id)));
    remove.forgotten.run({ ...n, at: now() });
    remove.reports.run(n);
    remove.messages.run(ids);
    remove.queueBack.run();
    remove.outbound.run(n);
    remove.replies.run(n);
    remove.threads.run(n);
    remove.rejected.run(n);
    remove.liftedOptOuts.run(n);
    remove.audit.run({ ...n, m: masked });
    // The hourly rollups of those hours are counted again without them by `recountTraffic`, a page at a time: here,
    // in one statement, the current hour of a busy relay (100,000 messages) held the event loop for 350 ms and more.
    // Deleting their messages marked those hours stale (the triggers of migration 010).
    const trafficHours =
      hours?.first != null && hours.last != null
        ? { from: hourStartOf(hours.first), to: hourStartOf(hours.last) + HOUR_MS }
        : null;
    if (trafficHours) remove.quotingReasons.run({ ...n, ...trafficHours });
    const after = held(digits);
    const cameLater = laterOf.get(n) ?? 0;
    const removed = Object.fromEntries(
      Object.entries(before).map(([kind, value]) => [kind, value - after[kind as keyof CustomerRecords]]),
    ) as unknown as CustomerRecords;
    return {
      records: {
        ...removed,
        slackPosts: slackPosts.length,
        sharedSlackPosts: shared.length,
        undelivered: after.undelivered,
        repliesSending: after.repliesSending,
        optOutsInForce: after.optOutsInForce,
      },
      slackPosts,
      sharedPostIds: shared.map((p) => p.id),
      trafficHours,
      cameLater,
      deadRemoved,
    };
  });

  return {
    held,
    isSmsopsNumber: (digits) => ownNumber.get(numbersOf(digits)) === 1,
    mark: () => newest.get() ?? { inbound: 0, reply: 0, outbound: 0 },
    slackPostsOf: (digits, through = UNBOUNDED) => {
      const n = boundedOf(digits, through);
      return [...erasable(n).own.map(refOf), ...statusLines.all(n)];
    },
    erase: (digits, masked, through = UNBOUNDED) => erase(digits, masked, through),
    recountTraffic: (hours) => traffic.refreshInSteps(hours.from, hours.to),
    sharedPostEdits: (ids) =>
      editsOf
        .all(JSON.stringify(ids))
        .map(({ dirty, error, ...post }) =>
          dirty > 0
            ? { ...post, state: 'pending' as const }
            : error === null
              ? { ...post, state: 'edited' as const }
              : { ...post, state: 'refused' as const, reason: error },
        ),
    cutWal: () => cutWal(db),
  };
}
