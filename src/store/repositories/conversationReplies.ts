import { FIRST_REPLY_LOOKUP_MS } from '../../core/conversations/replyLookupSchedule.js';
import type { SmsEncoding } from '../../core/model/smsSegments.js';
import { readWavixDeliveryStatus } from '../../core/model/wavixDeliveryStatus.js';
import {
  type ConversationRepliesRepository,
  type ConversationReply,
  FINAL_REPLY_STATUSES,
  type NewConversationReply,
  type ReplyStatus,
} from '../../core/ports/conversationReplies.js';
import type { Db } from '../database.js';

interface Row {
  id: number;
  slack_channel: string;
  thread_ts: string;
  slack_message_ts: string;
  slack_user: string;
  from_number: string;
  to_number: string;
  text_length: number;
  segments: number;
  encoding: SmsEncoding;
  wavix_segments: number | null;
  wavix_message_id: string | null;
  status: ReplyStatus;
  status_reason: string | null;
  created_at: number;
  submitted_at: number | null;
  status_at: number;
  delivered_at: number | null;
  status_ts: string | null;
}

const toReply = (r: Row): ConversationReply => ({
  id: r.id,
  slackChannel: r.slack_channel,
  threadTs: r.thread_ts,
  slackMessageTs: r.slack_message_ts,
  slackUser: r.slack_user,
  fromNumber: r.from_number,
  toNumber: r.to_number,
  textLength: r.text_length,
  segments: r.segments,
  encoding: r.encoding,
  wavixSegments: r.wavix_segments,
  wavixMessageId: r.wavix_message_id,
  status: r.status,
  statusReason: r.status_reason,
  createdAt: r.created_at,
  submittedAt: r.submitted_at,
  statusAt: r.status_at,
  deliveredAt: r.delivered_at,
  statusTs: r.status_ts,
});

/**
 * How far along a status is: reports arrive out of order, and a reply only ever moves forward. `dlr_expired` ("no
 * report came in time") is below the real outcomes: a late report still settles it, or its status line went on telling
 * the writer to reach the customer another way after Wavix said delivered (a probe).
 */
function progress(status: ReplyStatus, linked = false): number {
  if (status === 'dlr_expired') return 3.5;
  // Refused by Wavix (a 4xx), yet linked to a message by a delivery report carrying the reply's own tag: Wavix sent it
  // all the same, and the report settles it ("Not sent" made its writer post it again: two texts).
  if (status === 'failed' && linked) return 0;
  if (FINAL_REPLY_STATUSES.has(status)) return 4;
  return (
    { queued: 0, sending: 0, unknown: 0, accepted: 1, pending: 2, sent: 3 }[
      status as 'queued' | 'sending' | 'unknown' | 'accepted' | 'pending' | 'sent'
    ] ?? 0
  );
}

const REASON_MAX = 500;

/**
 * The first migration after replies were sent with their tag (replyTag.ts): a reply written before it was applied may
 * carry none, so a look-up by tag cannot find it, sent or not, and its "no record" would tell its writer to post again
 * a reply that may have gone out (a probe, on an upgrade from such a release). Those are not looked up.
 */
const FIRST_MIGRATION_WITH_REPLY_TAGS = 30;

/**
 * When this database began to run a release sending replies with their tag (epoch ms): 0 when it was made by one (its
 * first migration applied with that one), or has no migration table (a database made some other way in a test).
 */
function repliesTaggedSince(db: Db): number {
  try {
    const row = db
      .prepare<[number], { tagged: number | null; first: number | null }>(
        'SELECT (SELECT applied_at FROM schema_migrations WHERE version = ?) AS tagged, min(applied_at) AS first FROM schema_migrations',
      )
      .get(FIRST_MIGRATION_WITH_REPLY_TAGS);
    // One run applies a new database's migrations within milliseconds; a release before tags ran for longer than this.
    return row?.tagged != null && row.first != null && row.tagged - row.first > 60_000 ? row.tagged : 0;
  } catch {
    return 0;
  }
}

export function createConversationRepliesRepository(db: Db, now: () => number = Date.now): ConversationRepliesRepository {
  const taggedSince = repliesTaggedSince(db);
  const insert = db.prepare<[string, string, string, string, string, string, number, number, SmsEncoding, number, number], Row>(`
    INSERT INTO conversation_replies (slack_channel, thread_ts, slack_message_ts, slack_user, from_number, to_number,
      text_length, segments, encoding, status, created_at, status_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)
    ON CONFLICT (slack_channel, slack_message_ts) DO NOTHING RETURNING *`);
  const byId = db.prepare<[number], Row>('SELECT * FROM conversation_replies WHERE id = ?');
  const bySlack = db.prepare<[string, string], Row>(
    'SELECT * FROM conversation_replies WHERE slack_channel = ? AND slack_message_ts = ?',
  );
  const byWavix = db.prepare<[string], Row>('SELECT * FROM conversation_replies WHERE wavix_message_id = ?');
  const inThread = db.prepare<[string, string], Row>(
    'SELECT * FROM conversation_replies WHERE slack_channel = ? AND thread_ts = ? ORDER BY created_at, id',
  );
  const recentAll = db.prepare<[number], Row>('SELECT * FROM conversation_replies ORDER BY created_at DESC, id DESC LIMIT ?');
  // A number is matched with or without its +: the sending use case may keep it either way.
  const recentFrom = db.prepare<[string, string, number], Row>(
    'SELECT * FROM conversation_replies WHERE from_number IN (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?',
  );
  const recentToCustomer = db.prepare<[string, string, number], Row>(
    'SELECT * FROM conversation_replies WHERE to_number IN (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?',
  );
  type Key = { id: number; at: number };
  const keysAll = db.prepare<[number], Key>(
    'SELECT id, created_at AS at FROM conversation_replies ORDER BY created_at DESC, id DESC LIMIT ?',
  );
  const keysFrom = db.prepare<[string, string, number], Key>(
    'SELECT id, created_at AS at FROM conversation_replies WHERE from_number IN (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?',
  );
  const keysToCustomer = db.prepare<[string, string, number], Key>(
    'SELECT id, created_at AS at FROM conversation_replies WHERE to_number IN (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?',
  );
  const setSubmitted = db.prepare(`
    UPDATE conversation_replies SET wavix_message_id = @wavixId, status = @status, submitted_at = @at, status_at = @at,
      wavix_segments = coalesce(@segments, wavix_segments), status_reason = @reason
    WHERE id = @id AND status = 'sending'`);
  const setSending = db.prepare<[number, number]>(
    "UPDATE conversation_replies SET status = 'sending', status_at = ? WHERE id = ? AND status = 'queued'",
  );
  const discard = db.prepare<[number]>("DELETE FROM conversation_replies WHERE id = ? AND status = 'queued'");
  const markUnsent = db.prepare<[string, number], Row>(`
    UPDATE conversation_replies SET status = 'blocked', status_reason = ?, status_at = ?
    WHERE status = 'queued' RETURNING *`);
  const setWithdrawn = db.prepare(`
    UPDATE conversation_replies SET status = 'blocked', status_reason = @reason, status_at = @at
    WHERE id = @id AND status = 'queued'`);
  // Refused before the send (smsops' own checks) or by Wavix.
  const setNotSent = db.prepare(`
    UPDATE conversation_replies SET status = @status, status_reason = @reason, status_at = @at
    WHERE id = @id AND status IN ('queued', 'sending')`);
  // Unknown: looked up at Wavix by its tag from a minute on (core/conversations/replyLookup.ts).
  const setUnknown = db.prepare(`
    UPDATE conversation_replies SET status = 'unknown', status_reason = @reason, status_at = @at, lookups = 0,
      lookup_due_at = @at + ${FIRST_REPLY_LOOKUP_MS}
    WHERE id = @id AND status = 'sending'`);
  const markInterrupted = db.prepare<[{ reason: string; at: number }], Row>(`
    UPDATE conversation_replies SET status = 'unknown', status_reason = @reason, status_at = @at, lookups = 0,
      lookup_due_at = @at + ${FIRST_REPLY_LOOKUP_MS}
    WHERE status = 'sending' RETURNING *`);
  const dueForLookup = db.prepare<[number, number, number], Row & { lookups: number }>(`
    SELECT * FROM conversation_replies
    WHERE lookup_due_at IS NOT NULL AND lookup_due_at <= ? AND status = 'unknown' AND created_at >= ?
    ORDER BY lookup_due_at, id LIMIT ?`);
  const setLookupDue = db.prepare(`
    UPDATE conversation_replies SET lookup_due_at = @dueAt, lookups = lookups + @counted
    WHERE id = @id AND status = 'unknown'`);
  const restartLookupCounts = db.prepare(
    "UPDATE conversation_replies SET lookups = 0 WHERE lookup_due_at IS NOT NULL AND status = 'unknown' AND lookups > 0",
  );
  const setNoRecord = db.prepare(`
    UPDATE conversation_replies SET status = 'failed', status_reason = @reason, status_at = @at, lookup_due_at = NULL
    WHERE id = @id AND status = 'unknown' AND wavix_message_id IS NULL`);
  const lookUpAtStart = db.prepare<[{ at: number }]>(`
    UPDATE conversation_replies SET lookup_due_at = @at
    WHERE lookup_due_at IS NOT NULL AND lookup_due_at > @at AND status = 'unknown'`);
  const awaitingLookup = db
    .prepare<[number], number>(
      "SELECT count(*) FROM conversation_replies WHERE lookup_due_at IS NOT NULL AND status = 'unknown' AND created_at >= ?",
    )
    .pluck();
  // A reply whose outcome was unknown that Wavix reports on was taken by Wavix: why it was unknown no longer holds,
  // and it is looked up no more.
  const setStatus = db.prepare(`
    UPDATE conversation_replies SET status = @status, lookup_due_at = NULL,
      status_reason = CASE WHEN status IN ('unknown', 'failed') THEN @reason ELSE coalesce(@reason, status_reason) END, status_at = @at,
      delivered_at = CASE WHEN @status = 'delivered' THEN @at ELSE delivered_at END
    WHERE id = @id`);
  const linkTagged = db.prepare<[string, string, string]>(`
    UPDATE conversation_replies SET wavix_message_id = ?
    WHERE slack_channel = ? AND slack_message_ts = ? AND wavix_message_id IS NULL AND status IN ('sending', 'unknown', 'failed')`);
  const setStatusTs = db.prepare('UPDATE conversation_replies SET status_ts = ? WHERE id = ?');
  // Reports smsops stored before it knew the message was a reply (migration 004).
  const earlierReports = db.prepare<
    [string],
    { status: string; error: string | null; received_at: number; segments: number | null }
  >('SELECT status, error, received_at, segments FROM delivery_reports WHERE wavix_message_id = ? ORDER BY received_at, id');

  const advance = (row: Row, status: ReplyStatus, reason: string | null, at: number): Row | undefined => {
    if (row.status === status || progress(status) <= progress(row.status, row.wavix_message_id !== null)) return undefined;
    setStatus.run({ id: row.id, status, reason: reason?.slice(0, REASON_MAX) ?? null, at });
    return byId.get(row.id);
  };

  const begin = db.transaction((reply: NewConversationReply) => {
    const at = now();
    const inserted = insert.get(
      reply.slackChannel,
      reply.threadTs,
      reply.slackMessageTs,
      reply.slackUser,
      reply.fromNumber,
      reply.toNumber,
      reply.textLength,
      reply.segments,
      reply.encoding,
      at,
      at,
    );
    if (inserted) return { reply: toReply(inserted), created: true };
    return { reply: toReply(bySlack.get(reply.slackChannel, reply.slackMessageTs) as Row), created: false };
  });

  const setWavixSegments = db.prepare<[number, number]>('UPDATE conversation_replies SET wavix_segments = ? WHERE id = ?');
  // A count past what Wavix's length limit allows (11 segments) is no count (see wavix/schemas.ts).
  const isCount = (segments: number | null | undefined): segments is number =>
    segments !== null && segments !== undefined && Number.isInteger(segments) && segments > 0 && segments <= 100;
  const recounts = (row: Row, segments: number | null): segments is number =>
    isCount(segments) && segments !== row.wavix_segments;
  /** What the reply costs as shown: Wavix's count once it gave one, else smsops' estimate. */
  const shownSegments = (row: Row) => row.wavix_segments ?? row.segments;

  // Wavix may post a delivery report before smsops has recorded the send's answer: such reports were stored by the
  // DLR webhook already (their status as Wavix wrote it), so they are read as applyReplyDeliveryReport reads a live
  // one and applied here rather than lost.
  const submitted = db.transaction(
    (id: number, wavixMessageId: string, status: ReplyStatus, segments?: number, reason?: string | null) => {
      setSubmitted.run({
        id,
        wavixId: wavixMessageId,
        status,
        at: now(),
        segments: isCount(segments) ? segments : null,
        reason: reason?.slice(0, REASON_MAX) ?? null,
      });
      let row = byId.get(id);
      if (!row || row.wavix_message_id !== wavixMessageId) return row ? toReply(row) : undefined;
      for (const report of earlierReports.all(wavixMessageId)) {
        // Its count too, as a report arriving after the answer gives it (Wavix's is what it charges).
        if (recounts(row, report.segments)) {
          setWavixSegments.run(report.segments, row.id);
          row = byId.get(row.id) ?? row;
        }
        const status = readWavixDeliveryStatus(report.status);
        if (status !== undefined) row = advance(row, status, report.error, report.received_at) ?? row;
      }
      return toReply(row);
    },
  );

  const applyDeliveryStatus = db.transaction(
    (wavixMessageId: string, status: ReplyStatus, reason: string | null, at: number, segments: number | null) => {
      let row = byWavix.get(wavixMessageId);
      if (!row) return undefined;
      // Shown anew only when the cost shown changes: a report repeating the count (or the estimate) edits nothing.
      let recount = false;
      if (recounts(row, segments)) {
        recount = segments !== shownSegments(row);
        setWavixSegments.run(segments, row.id);
        row = byId.get(row.id) ?? row;
      }
      const changed = advance(row, status, reason, at) ?? (recount ? row : undefined);
      return changed ? toReply(changed) : undefined;
    },
  );

  return {
    begin: (reply) => begin(reply),
    startSending: (id) => {
      if (setSending.run(now(), id).changes === 0) return undefined;
      const row = byId.get(id);
      return row ? toReply(row) : undefined;
    },
    withdraw: (id, reason) => {
      if (setWithdrawn.run({ id, reason: reason.slice(0, REASON_MAX), at: now() }).changes === 0) return undefined;
      const row = byId.get(id);
      return row ? toReply(row) : undefined;
    },
    discard: (id) => void discard.run(id),
    markUnsent: (reason) => markUnsent.all(reason.slice(0, REASON_MAX), now()).map(toReply),
    submitted: (id, wavixMessageId, status, segments, reason) => submitted(id, wavixMessageId, status, segments, reason),
    notSent: (id, status, reason) => {
      setNotSent.run({ id, status, reason: reason.slice(0, REASON_MAX), at: now() });
      const row = byId.get(id);
      return row ? toReply(row) : undefined;
    },
    outcomeUnknown: (id, reason) => {
      setUnknown.run({ id, reason: reason.slice(0, REASON_MAX), at: now() });
      const row = byId.get(id);
      return row ? toReply(row) : undefined;
    },
    markInterruptedSends: (reason) => markInterrupted.all({ reason: reason.slice(0, REASON_MAX), at: now() }).map(toReply),
    applyDeliveryStatus: (wavixMessageId, status, reason, at, segments) =>
      applyDeliveryStatus(wavixMessageId, status, reason, at ?? now(), segments ?? null),
    linkTaggedSend: (slackChannel, slackMessageTs, wavixMessageId) =>
      linkTagged.run(wavixMessageId, slackChannel, slackMessageTs).changes > 0,
    dueForLookup: (at, writtenSince, limit) =>
      dueForLookup
        .all(at, Math.max(writtenSince, taggedSince), limit)
        .map((row) => ({ reply: toReply(row), lookups: row.lookups })),
    lookupAgainAt: (id, dueAt, noRecord) => void setLookupDue.run({ id, dueAt, counted: noRecord ? 1 : 0 }),
    restartLookupCounts: () => void restartLookupCounts.run(),
    noRecordAtWavix: (id, reason) => {
      if (setNoRecord.run({ id, reason: reason.slice(0, REASON_MAX), at: now() }).changes === 0) return undefined;
      const row = byId.get(id);
      return row ? toReply(row) : undefined;
    },
    lookUpAtStart: () => lookUpAtStart.run({ at: now() }).changes,
    awaitingLookup: (writtenSince) => awaitingLookup.get(Math.max(writtenSince, taggedSince)) ?? 0,
    setStatusTs: (id, statusTs) => {
      setStatusTs.run(statusTs, id);
      const row = byId.get(id);
      return row ? toReply(row) : undefined;
    },
    get: (id) => {
      const row = byId.get(id);
      return row ? toReply(row) : undefined;
    },
    bySlackMessage: (channel, ts) => {
      const row = bySlack.get(channel, ts);
      return row ? toReply(row) : undefined;
    },
    byWavixMessageId: (wavixMessageId) => {
      const row = byWavix.get(wavixMessageId);
      return row ? toReply(row) : undefined;
    },
    inThread: (channel, threadTs) => inThread.all(channel, threadTs).map(toReply),
    recent: (limit, number, side = 'smsops') => {
      const digits = number?.replace(/^\+/, '');
      const matching = side === 'customer' ? recentToCustomer : recentFrom;
      return (digits ? matching.all(digits, `+${digits}`, limit) : recentAll.all(limit)).map(toReply);
    },
    recentKeys: (limit, number, side = 'smsops') => {
      const digits = number?.replace(/^\+/, '');
      const matching = side === 'customer' ? keysToCustomer : keysFrom;
      return digits ? matching.all(digits, `+${digits}`, limit) : keysAll.all(limit);
    },
  };
}
