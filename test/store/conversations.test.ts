import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConversationReply, NewConversationReply } from '../../src/core/ports/conversationReplies.js';
import { createRetentionJob } from '../../src/jobs/retentionJob.js';
import { createLogger } from '../../src/log.js';
import { closeDatabase, DEFAULT_MIGRATIONS_DIR, openDatabase } from '../../src/store/database.js';
import { createConversationRepliesRepository } from '../../src/store/repositories/conversationReplies.js';
import { createDeliveryReportsRepository } from '../../src/store/repositories/deliveryReports.js';
import { createOptOutsRepository } from '../../src/store/repositories/optOuts.js';
import { createProcessedSlackEventsRepository } from '../../src/store/repositories/slackEvents.js';
import { createRetentionStore } from '../../src/store/retention/retentionStore.js';
import { createTempDb, type TempDb } from '../helpers/tempDb.js';

const DAY = 86_400_000;
const CUSTOMER = '447400123456';
const DID = '14155550100';

let t: TempDb;
beforeEach(() => {
  t = createTempDb();
});
afterEach(() => t.cleanup());

describe('opt-outs', () => {
  const repo = () => createOptOutsRepository(t.db, t.clock.now);

  it('records an opt-out once per person and sender, whatever the number spelling', () => {
    const first = repo().record({
      customerNumber: `+${CUSTOMER}`,
      sender: '+1 (415) 555-0100',
      source: 'inbound_keyword',
      keyword: 'STOP',
    });
    expect(first.created).toBe(true);
    expect(first.optOut).toMatchObject({ customerNumber: CUSTOMER, sender: DID, keyword: 'STOP', optedOutAt: t.clock.now() });
    t.clock.advance(1000);
    const again = repo().record({ customerNumber: CUSTOMER, sender: DID, source: 'wavix' });
    expect(again).toEqual({ optOut: first.optOut, created: false });
    expect(repo().inForce()).toHaveLength(1);
  });

  it('keeps an alphanumeric Sender ID as it is', () => {
    const { optOut } = repo().record({ customerNumber: CUSTOMER, sender: 'ACME', source: 'wavix', campaignId: 'C1' });
    expect(optOut).toMatchObject({ sender: 'ACME', campaignId: 'C1' });
    expect(repo().blocking(CUSTOMER, 'ACME')?.id).toBe(optOut.id);
  });

  it('blocks the sender it names, and every sender when it names none', () => {
    repo().record({ customerNumber: CUSTOMER, sender: DID, source: 'inbound_keyword', keyword: 'QUIT' });
    expect(repo().blocking(CUSTOMER, DID)?.keyword).toBe('QUIT');
    expect(repo().blocking(CUSTOMER, '14155550199')).toBeUndefined();
    expect(repo().blocking('447400999999', DID)).toBeUndefined();

    repo().record({ customerNumber: CUSTOMER, sender: null, source: 'wavix' });
    expect(repo().blocking(CUSTOMER, '14155550199')?.sender).toBeNull();
    // Its own opt-out first, so on-call sees the keyword sent to this number.
    expect(repo().blocking(CUSTOMER, DID)?.keyword).toBe('QUIT');
  });

  it('lifts only the exact pair: START to one number leaves a blanket opt-out in force', () => {
    repo().record({ customerNumber: CUSTOMER, sender: DID, source: 'inbound_keyword', keyword: 'STOP' });
    repo().record({ customerNumber: CUSTOMER, sender: null, source: 'wavix' });
    t.clock.advance(5000);
    const lifted = repo().lift(`+${CUSTOMER}`, DID, 'START');
    expect(lifted).toMatchObject({ liftedBy: 'START', liftedAt: t.clock.now() });
    expect(repo().blocking(CUSTOMER, DID)?.sender).toBeNull();
    expect(repo().lift(CUSTOMER, DID, 'START')).toBeUndefined();
    expect(repo().lift(CUSTOMER, null, 'wavix')?.liftedBy).toBe('wavix');
    expect(repo().blocking(CUSTOMER, DID)).toBeUndefined();
  });

  it('a STOP repeated while one is in force dates it by the later one: a START sent between them lifts nothing', () => {
    // Sent STOP 10:00, START 10:03, STOP 10:05; Wavix posted the START last.
    const at = (hhmm: string) => Date.parse(`2026-11-25T${hhmm}:00.000Z`);
    repo().record({ customerNumber: CUSTOMER, sender: DID, source: 'inbound_keyword', keyword: 'STOP', at: at('10:00') });
    const again = repo().record({
      customerNumber: CUSTOMER,
      sender: DID,
      source: 'inbound_keyword',
      keyword: 'STOP',
      at: at('10:05'),
    });
    expect(again).toMatchObject({ created: false, optOut: { optedOutAt: at('10:05') } });
    expect(repo().lift(CUSTOMER, DID, 'START', at('10:03'))).toBeUndefined();
    expect(repo().blocking(CUSTOMER, DID)?.keyword).toBe('STOP');
    // An earlier STOP posted late does not move it back; a START after the last STOP lifts it.
    repo().record({ customerNumber: CUSTOMER, sender: DID, source: 'inbound_keyword', keyword: 'STOP', at: at('09:00') });
    expect(repo().blocking(CUSTOMER, DID)?.optedOutAt).toBe(at('10:05'));
    expect(repo().lift(CUSTOMER, DID, 'START', at('10:06'))?.liftedBy).toBe('START');
  });

  it('keeps the history: a new STOP after START is a new opt-out', () => {
    repo().record({ customerNumber: CUSTOMER, sender: DID, source: 'inbound_keyword', keyword: 'STOP' });
    t.clock.advance(1000);
    repo().lift(CUSTOMER, DID, 'UNSTOP');
    t.clock.advance(1000);
    expect(repo().record({ customerNumber: CUSTOMER, sender: DID, source: 'inbound_keyword', keyword: 'END' }).created).toBe(
      true,
    );
    expect(
      repo()
        .history(CUSTOMER)
        .map((o) => [o.keyword, o.liftedBy]),
    ).toEqual([
      ['END', null],
      ['STOP', 'UNSTOP'],
    ]);
  });

  it('lists those in force by source, for the sync with Wavix’s list', () => {
    repo().record({ customerNumber: CUSTOMER, sender: DID, source: 'inbound_keyword', keyword: 'STOP' });
    repo().record({ customerNumber: '15551234567', sender: 'MySender', source: 'wavix' });
    expect(
      repo()
        .inForce('wavix')
        .map((o) => o.customerNumber),
    ).toEqual(['15551234567']);
    expect(repo().inForce()).toHaveLength(2);
  });

  it('survives a restart', () => {
    repo().record({ customerNumber: CUSTOMER, sender: DID, source: 'inbound_keyword', keyword: 'STOP' });
    t.reopen();
    expect(repo().blocking(CUSTOMER, DID)?.keyword).toBe('STOP');
  });
});

describe('conversation replies', () => {
  const repo = () => createConversationRepliesRepository(t.db, t.clock.now);
  const reply = (ts = '1732536000.000200'): NewConversationReply => ({
    slackChannel: 'C0INBOX001',
    threadTs: '1732536000.000100',
    slackMessageTs: ts,
    slackUser: 'U0ONCALL',
    fromNumber: DID,
    toNumber: CUSTOMER,
    textLength: 171,
    segments: 2,
    encoding: 'GSM-7',
  });

  /** A reply taken in and handed to Wavix: what Wavix's answer and reports then apply to. */
  const sending = (ts?: string) => {
    const { reply: r } = repo().begin(reply(ts));
    return repo().startSending(r.id) as ConversationReply;
  };

  it('records a reply as queued, once per Slack message, and as sending once, when Wavix is called', () => {
    const first = repo().begin(reply());
    expect(first.created).toBe(true);
    expect(first.reply).toMatchObject({ status: 'queued', wavixMessageId: null, segments: 2, encoding: 'GSM-7' });
    const retried = repo().begin({ ...reply(), textLength: 5 });
    expect(retried).toEqual({ reply: first.reply, created: false });
    expect(repo().startSending(first.reply.id)?.status).toBe('sending');
    expect(repo().startSending(first.reply.id)).toBeUndefined();
  });

  it('says not sent, and never lets it be sent, a reply still queued when smsops stops', () => {
    const queued = repo().begin(reply('1.1')).reply;
    const inFlight = sending('1.2');
    const marked = repo().markUnsent('smsops stopped before sending it; post it again.');
    expect(marked.map((r) => [r.id, r.status, r.statusReason])).toEqual([
      [queued.id, 'blocked', 'smsops stopped before sending it; post it again.'],
    ]);
    expect(repo().startSending(queued.id)).toBeUndefined();
    expect(repo().get(inFlight.id)?.status).toBe('sending');
  });

  it('forgets a queued reply that was refused before it was a reply to send, and only such a reply', () => {
    const refused = repo().begin(reply('1.1')).reply;
    const inFlight = sending('1.2');
    repo().discard(refused.id);
    repo().discard(inFlight.id);
    expect(repo().get(refused.id)).toBeUndefined();
    expect(repo().get(inFlight.id)?.status).toBe('sending');
  });

  it('takes the Wavix id of a report tagged with its Slack message only while its send is unanswered or unknown', () => {
    const lost = sending('1.1');
    repo().outcomeUnknown(lost.id, 'Wavix answered with an error (HTTP 500)');
    expect(repo().linkTaggedSend('C0INBOX001', '1.1', 'w-9')).toBe(true);
    expect(repo().applyDeliveryStatus('w-9', 'delivered', null)).toMatchObject({ id: lost.id, status: 'delivered' });
    expect(repo().linkTaggedSend('C0INBOX001', '1.1', 'w-10')).toBe(false);
    const refused = repo().begin(reply('1.2')).reply;
    repo().notSent(refused.id, 'blocked', 'opted out');
    expect(repo().linkTaggedSend('C0INBOX001', '1.2', 'w-11')).toBe(false);
    expect(repo().linkTaggedSend('C0INBOX001', '9.9', 'w-12')).toBe(false);
  });

  it('never stores the text, only its length', () => {
    const columns = t.db.prepare("SELECT name FROM pragma_table_info('conversation_replies')").pluck().all();
    expect(columns).not.toContain('text');
    expect(columns).toContain('text_length');
  });

  it('follows Wavix’s answer and its delivery reports, forwards only', () => {
    const r = sending();
    t.clock.advance(1000);
    expect(repo().submitted(r.id, 'w-1', 'accepted')).toMatchObject({
      status: 'accepted',
      wavixMessageId: 'w-1',
      submittedAt: t.clock.now(),
    });
    t.clock.advance(1000);
    expect(repo().applyDeliveryStatus('w-1', 'sent', null)?.status).toBe('sent');
    expect(repo().applyDeliveryStatus('w-1', 'sent', null)).toBeUndefined();
    t.clock.advance(4000);
    const delivered = repo().applyDeliveryStatus('w-1', 'delivered', null);
    expect(delivered).toMatchObject({ status: 'delivered', deliveredAt: t.clock.now(), statusAt: t.clock.now() });
    // A late interim report, or a contradicting final one, changes nothing.
    expect(repo().applyDeliveryStatus('w-1', 'sent', null)).toBeUndefined();
    expect(repo().applyDeliveryStatus('w-1', 'undelivered', 'late')).toBeUndefined();
    expect(repo().get(r.id)?.status).toBe('delivered');
    expect(repo().applyDeliveryStatus('not-a-reply', 'delivered', null)).toBeUndefined();
  });

  it('keeps the reason of a failed delivery', () => {
    const r = sending();
    repo().submitted(r.id, 'w-2', 'accepted');
    expect(repo().applyDeliveryStatus('w-2', 'undelivered', 'Rejected by far-end carrier')).toMatchObject({
      status: 'undelivered',
      statusReason: 'Rejected by far-end carrier',
      deliveredAt: null,
    });
  });

  it('applies delivery reports that arrived before Wavix’s answer was recorded', () => {
    const r = sending();
    const reports = createDeliveryReportsRepository(t.db, t.clock.now);
    const report = (status: string) =>
      reports.recordReport({
        wavixMessageId: 'w-3',
        fromNumber: DID,
        toNumber: CUSTOMER,
        status,
        error: null,
        segments: 2,
      });
    report('sent');
    t.clock.advance(10);
    report('delivered');
    expect(repo().submitted(r.id, 'w-3', 'accepted')).toMatchObject({ status: 'delivered', wavixMessageId: 'w-3' });
  });

  it('reads an earlier report’s status trimmed and in any case, and skips one that is not Wavix’s', () => {
    const r = sending();
    const reports = createDeliveryReportsRepository(t.db, t.clock.now);
    const report = (status: string, error: string | null = null) => {
      t.clock.advance(10);
      reports.recordReport({
        wavixMessageId: 'w-6',
        fromNumber: DID,
        toNumber: CUSTOMER,
        status,
        error,
        segments: 2,
      });
    };
    report(' SENT ');
    report('Undelivered', 'Absent subscriber');
    report('gone');
    expect(repo().submitted(r.id, 'w-6', 'accepted')).toMatchObject({
      status: 'undelivered',
      statusReason: 'Absent subscriber',
    });
  });

  it('records a reply that was not sent, and does not let it be sent afterwards', () => {
    const { reply: blocked } = repo().begin(reply('1.1'));
    expect(repo().notSent(blocked.id, 'blocked', 'opted out with STOP')).toMatchObject({
      status: 'blocked',
      statusReason: 'opted out with STOP',
    });
    expect(repo().submitted(blocked.id, 'w-4', 'accepted')).toMatchObject({ status: 'blocked', wavixMessageId: null });
    const { reply: failed } = repo().begin(reply('1.2'));
    expect(repo().notSent(failed.id, 'failed', 'x'.repeat(2000))?.statusReason).toHaveLength(500);
  });

  it('finds replies by Slack message, by Wavix id, and by thread in order', () => {
    const a = repo().begin(reply('1.1')).reply;
    t.clock.advance(1);
    const b = sending('1.2');
    repo().submitted(b.id, 'w-5', 'accepted');
    repo().begin({ ...reply('1.3'), threadTs: 'other' });
    expect(
      repo()
        .inThread('C0INBOX001', '1732536000.000100')
        .map((x) => x.id),
    ).toEqual([a.id, b.id]);
    expect(repo().bySlackMessage('C0INBOX001', '1.1')?.id).toBe(a.id);
    expect(repo().byWavixMessageId('w-5')?.id).toBe(b.id);
    expect(repo().get(9999)).toBeUndefined();
  });
});

describe('processed Slack events', () => {
  it('claims an event id once, also after a restart', () => {
    const repo = createProcessedSlackEventsRepository(t.db, t.clock.now);
    expect(repo.seen('Ev1')).toBe(false);
    expect(repo.claim('Ev1')).toBe(true);
    expect(repo.claim('Ev1')).toBe(false);
    expect(repo.seen('Ev1')).toBe(true);
    t.reopen();
    expect(createProcessedSlackEventsRepository(t.db, t.clock.now).claim('Ev1')).toBe(false);
  });
});

describe('retention of the conversation tables', () => {
  it('bounds replies and Slack events by age, keeps opt-outs in force forever and lifted ones for the audit window', async () => {
    const start = t.clock.now();
    const optOuts = createOptOutsRepository(t.db, t.clock.now);
    const replies = createConversationRepliesRepository(t.db, t.clock.now);
    const events = createProcessedSlackEventsRepository(t.db, t.clock.now);
    optOuts.record({ customerNumber: CUSTOMER, sender: DID, source: 'inbound_keyword', keyword: 'STOP' });
    optOuts.record({ customerNumber: '15551234567', sender: DID, source: 'inbound_keyword', keyword: 'STOP' });
    optOuts.lift('15551234567', DID, 'START');
    replies.begin({
      slackChannel: 'C1',
      threadTs: '1.0',
      slackMessageTs: '1.1',
      slackUser: 'U1',
      fromNumber: DID,
      toNumber: CUSTOMER,
      textLength: 3,
      segments: 1,
      encoding: 'GSM-7',
    });
    events.claim('Ev-old');
    t.clock.set(start + 100 * DAY);
    events.claim('Ev-new');

    const job = createRetentionJob({
      store: createRetentionStore(t.db),
      settings: { days: 90, auditDays: 365 },
      logger: createLogger({ level: 'error', sink: () => {} }),
      now: t.clock.now,
    });
    expect((await job.run()).outcome).toBe('ok');
    expect(t.db.prepare('SELECT count(*) FROM conversation_replies').pluck().get()).toBe(0);
    expect(t.db.prepare('SELECT event_id FROM processed_slack_events').pluck().all()).toEqual(['Ev-new']);
    expect(t.db.prepare('SELECT count(*) FROM opt_outs').pluck().get()).toBe(2);

    t.clock.set(start + 400 * DAY);
    await job.run();
    expect(optOuts.history('15551234567')).toEqual([]);
    expect(optOuts.blocking(CUSTOMER, DID)?.keyword).toBe('STOP');
  });
});

describe('a reply Wavix reported on before migration 039', () => {
  it('takes Wavix’s count from its stored delivery reports, and only a count that can be one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-039-'));
    try {
      const before = join(dir, 'migrations');
      cpSync(DEFAULT_MIGRATIONS_DIR, before, { recursive: true });
      rmSync(join(before, '039_reply_wavix_segments.sql'));
      const path = join(dir, 'smsops.db');
      const old = openDatabase(path, { migrationsDir: before }).db;
      old.exec(`
        INSERT INTO conversation_replies (slack_channel, thread_ts, slack_message_ts, slack_user, from_number, to_number,
          text_length, segments, encoding, wavix_message_id, status, created_at, status_at)
        VALUES ('C1', '1.1', '1.2', 'U1', '${DID}', '${CUSTOMER}', 5, 3, 'GSM-7', 'wx-reported', 'delivered', 0, 0),
               ('C1', '1.1', '1.3', 'U1', '${DID}', '${CUSTOMER}', 5, 1, 'GSM-7', 'wx-absurd', 'delivered', 0, 0),
               ('C1', '1.1', '1.4', 'U1', '${DID}', '${CUSTOMER}', 5, 1, 'GSM-7', NULL, 'unknown', 0, 0);
        INSERT INTO delivery_reports (wavix_message_id, status, error, segments, received_at)
        VALUES ('wx-reported', 'sent', NULL, 3, 1), ('wx-reported', 'delivered', NULL, NULL, 2),
               ('wx-absurd', 'delivered', NULL, 1000000, 1);`);
      closeDatabase(old);
      const upgraded = openDatabase(path).db;
      try {
        const replies = createConversationRepliesRepository(upgraded);
        expect(replies.recent(10).map((r) => [r.wavixMessageId, r.segments, r.wavixSegments])).toEqual([
          [null, 1, null],
          ['wx-absurd', 1, null],
          ['wx-reported', 3, 3],
        ]);
      } finally {
        closeDatabase(upgraded);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
