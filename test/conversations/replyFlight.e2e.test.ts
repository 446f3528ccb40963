import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryReport } from '../../src/sandbox/emulator/routes/messages.js';
import type { WavixMessage } from '../../src/sandbox/emulator/state.js';
import { closeDatabase, openDatabase } from '../../src/store/database.js';
import { REPLY_THREAD, relayedThread as relayedThreadOf, replyInThread } from '../helpers/replyThreads.js';
import {
  ADMIN,
  postDeliveryReport,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { wavixRecords } from '../helpers/wavixRecords.js';

const { inbox: INBOX, replier: REPLIER, customer: CUSTOMER, ourNumber: OUR_NUMBER } = REPLY_THREAD;

let t: SmsopsUnderTest | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await t?.stop();
  t = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}, options: { replyDrainMs?: number } = {}): Promise<SmsopsUnderTest> {
  t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0', ...env }, options);
  t.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
  return t;
}

let counter = 0;

const relayedThread = (s: SmsopsUnderTest) => relayedThreadOf(s, 'in-flight');

const reply = (s: SmsopsUnderTest, threadTs: string, ts: string, text: string) =>
  replyInThread(s, threadTs, ts, text, `EvFlight${++counter}`);

const outbound = (s: SmsopsUnderTest) => s.emulator.state().messages.filter((m) => m.direction === 'outbound');

describe('replies in flight', () => {
  it('reach the customer in the order they were written, when Slack delivers five events at once (last first)', async () => {
    const s = await start();
    const threadTs = await relayedThread(s);
    const texts = ['one', 'two', 'three', 'four', 'five'];
    const written = texts.map((text, i) => ({ text, ts: `1800000100.00000${i + 1}` }));
    await Promise.all([...written].reverse().map((m) => reply(s, threadTs, m.ts, m.text)));
    await waitUntil(
      () => outbound(s).length === 5,
      15_000,
      () => `five SMS at Wavix, got ${outbound(s).length}`,
    );
    expect(outbound(s).map((m) => m.message_body.text)).toEqual(texts);
  });

  it('a reply being sent when smsops stops is recorded as sent, with its Wavix id', async () => {
    const s = await start();
    const threadTs = await relayedThread(s);
    s.emulator.injectFault({ method: 'POST', path: '/v3/messages', latencyMs: 1500 });
    await reply(s, threadTs, '1800000200.000001', 'On its way');
    await waitUntil(
      () => s.fakeSlack.callsTo('chat.postMessage').some((c) => String(c.args.text).startsWith('Sending…')),
      10_000,
      () => 'the Sending… line',
    );
    await s.smsops.stop();
    const [sms] = outbound(s);
    expect(sms).toBeDefined();
    expect(s.db.prepare('SELECT status, wavix_message_id FROM conversation_replies').all()).toEqual([
      { status: 'accepted', wavix_message_id: sms?.message_id },
    ]);
    expect(s.logs.join('\n')).not.toContain('The database connection is not open');
  });

  it('a reply whose turn comes during a stop too late for Wavix’s answer is "Not sent", not started and cut mid-send', async () => {
    const s = await start();
    const threadTs = await relayedThread(s);
    // The first reply's send takes 5 s; the second waits behind it, its send due about 5 s into the stop, when what
    // is left of the stop's wait (20 s) is less than a send can take (a Wavix attempt's 15 s).
    s.emulator.injectFault({ method: 'POST', path: '/v3/messages', latencyMs: 5000 });
    await reply(s, threadTs, '1800000250.000001', 'first');
    await reply(s, threadTs, '1800000250.000002', 'second');
    await waitUntil(
      () => s.fakeSlack.callsTo('chat.postMessage').some((c) => String(c.args.text).startsWith('Sending…')),
      10_000,
      () => 'the first reply’s Sending… line',
    );
    await s.smsops.stop();
    expect(outbound(s).map((m) => m.message_body.text)).toEqual(['first']);
    expect(s.db.prepare('SELECT slack_message_ts, status FROM conversation_replies ORDER BY id').all()).toEqual([
      { slack_message_ts: '1800000250.000001', status: 'accepted' },
      { slack_message_ts: '1800000250.000002', status: 'blocked' },
    ]);
    const lines = s.fakeSlack
      .callsTo('chat.postMessage')
      .filter((c) => c.args.thread_ts === threadTs && String(c.args.text).startsWith('Not sent'));
    expect(lines.map((c) => c.args.text)).toEqual(['Not sent: smsops was stopping; post it again. · 1 segment, GSM-7']);
  });

  it('a reply left sending by a killed smsops becomes "may have been sent" at the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-crash-'));
    dirs.push(dir);
    const path = join(dir, 'smsops.db');
    // What kill -9 during a send leaves: the row `sending`, its "Sending…" line posted, no Wavix id.
    const { db } = openDatabase(path);
    db.prepare(
      `INSERT INTO conversation_replies (slack_channel, thread_ts, slack_message_ts, slack_user, from_number, to_number,
        text_length, segments, encoding, status, created_at, status_at, status_ts)
       VALUES (?, '1800000300.000001', '1800000300.000002', ?, ?, ?, 10, 1, 'GSM-7', 'sending', ?, ?, '1800000300.000003')`,
    ).run(INBOX, REPLIER, OUR_NUMBER, CUSTOMER, Date.now() - 60_000, Date.now() - 60_000);
    closeDatabase(db);

    const s = await start({ DATABASE_PATH: path });
    const [update] = await s.fakeSlack.waitFor('chat.update');
    expect(update?.args).toMatchObject({ channel: INBOX, ts: '1800000300.000003' });
    expect(String(update?.args.text)).toMatch(/^May have been sent: smsops stopped while sending/);
    expect(s.db.prepare('SELECT status FROM conversation_replies').all()).toEqual([{ status: 'unknown' }]);
  });

  it('a reply waiting on Slack’s membership answer when smsops stops is "Not sent" in its thread, and never sent', async () => {
    const s = await start({}, { replyDrainMs: 300 });
    const threadTs = await relayedThread(s);
    const release = s.fakeSlack.hang('conversations.members');
    await reply(s, threadTs, '1800000400.000001', 'On its way');
    await s.fakeSlack.waitFor('conversations.members');
    // What a kill -9 now leaves: the reply taken in, not yet sent (the next start says "Not sent", below).
    expect(s.db.prepare('SELECT status FROM conversation_replies').all()).toEqual([{ status: 'queued' }]);

    await s.smsops.stop();
    const line = s.fakeSlack
      .callsTo('chat.postMessage')
      .find((c) => c.args.thread_ts === threadTs && String(c.args.text).startsWith('Not sent'));
    expect(line?.args.text).toBe('Not sent: smsops stopped before sending it; post it again. · 1 segment, GSM-7');
    release();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(outbound(s)).toEqual([]);
    expect(s.db.prepare('SELECT status FROM conversation_replies').all()).toEqual([{ status: 'blocked' }]);
  });

  it('a reply taken in but not sent by a killed smsops is "Not sent" at the next start, and never sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-crash-'));
    dirs.push(dir);
    const path = join(dir, 'smsops.db');
    // What kill -9 during the membership check or the thread's gather wait leaves: the row `queued`, no status line.
    const { db } = openDatabase(path);
    db.prepare(
      `INSERT INTO conversation_replies (slack_channel, thread_ts, slack_message_ts, slack_user, from_number, to_number,
        text_length, segments, encoding, status, created_at, status_at)
       VALUES (?, '1800000500.000001', '1800000500.000002', ?, ?, ?, 10, 1, 'GSM-7', 'queued', ?, ?)`,
    ).run(INBOX, REPLIER, OUR_NUMBER, CUSTOMER, Date.now() - 60_000, Date.now() - 60_000);
    closeDatabase(db);

    const s = await start({ DATABASE_PATH: path });
    const [line] = await s.fakeSlack.waitFor('chat.postMessage');
    expect(line?.args).toMatchObject({ channel: INBOX, thread_ts: '1800000500.000001' });
    expect(line?.args.text).toBe('Not sent: smsops stopped before sending it; post it again. · 1 segment, GSM-7');
    expect(outbound(s)).toEqual([]);
  });

  it('a reply Wavix sent but answered 500 for says so, then moves on when Wavix’s delivery report comes', async () => {
    const s = await start();
    const threadTs = await relayedThread(s);
    s.emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 500, afterActing: true });
    await reply(s, threadTs, '1800000600.000001', 'On its way');
    const statusLine = () =>
      [...s.fakeSlack.calls]
        .reverse()
        .find(
          (c) =>
            (c.method === 'chat.update' || c.method === 'chat.postMessage') && /^(May|Sending|Deliv)/.test(String(c.args.text)),
        )?.args.text;
    await waitUntil(
      () => String(statusLine()).startsWith('May'),
      10_000,
      () => `the unknown line, got ${statusLine()}`,
    );
    expect(statusLine()).toBe(
      'May have been sent: Wavix answered with an error (HTTP 500), which does not say whether it sent it. Check the delivery before sending again; this line updates when Wavix reports it, or within about 30 minutes as smsops looks it up at Wavix. · 1 segment, GSM-7',
    );

    const [sms] = outbound(s);
    expect(sms).toBeDefined();
    const report = deliveryReport({ ...(sms as WavixMessage), status: 'delivered', delivered_at: new Date().toISOString() });
    // Wavix's record agrees (smsops confirms a report linking a Wavix id to a reply there first).
    wavixRecords(s, { message_id: sms?.message_id as string, status: 'delivered' });
    const answer = await postDeliveryReport(s, report);
    expect(answer.status).toBe(200);
    await waitUntil(
      () => String(statusLine()).startsWith('Delivered'),
      10_000,
      () => `the delivered line, got ${statusLine()}`,
    );
    expect(statusLine()).toBe(`Delivered · Wavix id \`${sms?.message_id}\` · 1 segment, GSM-7`);
    // Why it was unknown no longer holds: /sms inbox says delivered, without "does not say whether it sent it".
    const inbox = readable((await runCommand(s, `inbox ${OUR_NUMBER}`, { userId: REPLIER })).body);
    expect(inbox).toContain('delivered');
    expect(inbox).not.toContain('whether it sent it');
    // The audit says it went out, beside the send it recorded unknown.
    expect(s.db.prepare("SELECT outcome, detail FROM audit_log WHERE action = 'conversation.reply' ORDER BY id").all()).toEqual([
      { outcome: 'unknown', detail: expect.stringContaining('does not say whether it sent it') },
      { outcome: 'ok', detail: 'Wavix reported it delivered: the send whose outcome was unknown went out' },
    ]);
  });

  it('are counted in /metrics by what became of them: a Prometheus rule sees replies Wavix may have sent or refused', async () => {
    const s = await start();
    const threadTs = await relayedThread(s);
    const count = async (outcome: string) => {
      const text = await (await fetch(`${s.smsops.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`smsops_replies_total{outcome="${outcome}"}`));
      return line === undefined ? undefined : Number(line.split(' ').at(-1));
    };
    expect(await count('unknown')).toBe(0);
    // Every outcome at 0 from the start: a series first seen at 1 is missed by increase(), and a reply not sent because
    // the database was locked (not_recorded) or smsops stopped (abandoned) was the one an alert rule would look for.
    for (const outcome of ['not_recorded', 'abandoned', 'withdrawn', 'thread_not_kept', 'files', 'empty'])
      expect({ outcome, value: await count(outcome) }).toEqual({ outcome, value: 0 });
    s.emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 502 });
    await reply(s, threadTs, '1800000700.000001', 'one');
    s.emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 400 });
    await reply(s, threadTs, '1800000700.000002', 'two');
    await reply(s, threadTs, '1800000700.000003', 'three');
    await waitUntil(
      async () => (await count('sent')) === 1,
      10_000,
      () => 'the third reply sent',
    );
    expect(await count('unknown')).toBe(1);
    expect(await count('failed')).toBe(1);
  });

  it('counts a send Wavix answered 201 with status rejected as failed, not sent: it never reaches the customer', async () => {
    const s = await start();
    const threadTs = await relayedThread(s);
    const count = async (outcome: string) => {
      const text = await (await fetch(`${s.smsops.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`smsops_replies_total{outcome="${outcome}"}`));
      return line === undefined ? undefined : Number(line.split(' ').at(-1));
    };
    const rejected = {
      carrier_fees: '0.0',
      charge: '0.0',
      direction: 'outbound',
      delivered_at: null,
      error_message: 'Campaign suspended',
      message_id: 'abc123de-4567-890f-gh12-ijklmnop3456',
      message_type: 'sms',
      segments: 1,
      sent_at: null,
      status: 'rejected',
      submitted_at: '2025-09-22T09:07:53Z',
      tag: null,
    };
    s.emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 201, body: rejected });
    await reply(s, threadTs, '1800000750.000001', 'one');
    await waitUntil(
      async () => (await count('failed')) === 1 || (await count('sent')) === 1,
      10_000,
      () => 'the reply counted',
    );
    expect(await count('failed')).toBe(1);
    expect(await count('sent')).toBe(0);
  });

  it('a reply Wavix refused with a 4xx yet sent moves on when its delivery report (with the reply’s tag) comes', async () => {
    const s = await start();
    const threadTs = await relayedThread(s);
    s.emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 422, afterActing: true });
    await reply(s, threadTs, '1800000800.000001', 'On its way');
    await waitUntil(
      () => s.db.prepare("SELECT 1 FROM conversation_replies WHERE status = 'failed'").get() !== undefined,
      10_000,
      'the reply recorded failed',
    );
    const [sms] = outbound(s);
    expect(sms).toBeDefined();
    wavixRecords(s, { message_id: sms?.message_id as string, status: 'delivered' });
    const answer = await postDeliveryReport(s, deliveryReport({ ...(sms as WavixMessage), status: 'delivered' }));
    expect(answer.status).toBe(200);
    // It stayed "Not sent: Wavix refused…" although the customer had it: its writer posted it again.
    await waitUntil(
      () => s.db.prepare("SELECT 1 FROM conversation_replies WHERE status = 'delivered'").get() !== undefined,
      10_000,
      'the reply delivered',
    );
    const line = () =>
      s.fakeSlack.calls
        .filter((c) => c.method === 'chat.update' || c.method === 'chat.postMessage')
        .map((c) => String(c.args.text))
        .at(-1);
    await waitUntil(
      () => line()?.startsWith('Delivered'),
      10_000,
      () => `the delivered line, got ${line()}`,
    );
    expect(line()).toBe(`Delivered · Wavix id \`${sms?.message_id}\` · 1 segment, GSM-7`);
  });
});
