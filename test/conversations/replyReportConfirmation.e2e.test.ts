import { afterEach, describe, expect, it } from 'vitest';
import { replyTagOf } from '../../src/core/conversations/replyTag.js';
import { FINAL_AFTER_MS, SENT_AFTER_MS } from '../../src/sandbox/emulator/routes/messages.js';
import { REPLY_THREAD, relayedThread, replyInThread, replyStatusLine as statusLine } from '../helpers/replyThreads.js';
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
const MINUTE = 60_000;

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function start(): Promise<SmsopsUnderTest> {
  t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0' });
  t.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
  return t;
}

let counter = 0;
const REPLY_TS = () => `1800000800.00000${counter}`;

/** A reply Wavix took (its answer reached smsops): "Sent · Wavix id …". Answers its Wavix id. */
async function sentReply(s: SmsopsUnderTest): Promise<string> {
  const threadTs = await relayedThread(s, 'confirm');
  counter += 1;
  await replyInThread(s, threadTs, REPLY_TS(), 'On its way', `EvConfirm${counter}`);
  await waitUntil(
    () => statusLine(s).startsWith('Sent'),
    10_000,
    () => `the sent line, got ${statusLine(s)}`,
  );
  return (s.db.prepare('SELECT wavix_message_id AS id FROM conversation_replies').get() as { id: string }).id;
}

const report = (s: SmsopsUnderTest, fields: { message_id: string; status: string; error?: string | null; tag?: string }) =>
  postDeliveryReport(s, {
    message_type: 'sms',
    from: OUR_NUMBER,
    to: CUSTOMER,
    segments_count: 1,
    error: null,
    ...fields,
  }).then((r) => expect(r.status).toBe(200));

const runLookups = async (s: SmsopsUnderTest) => readable((await runCommand(s, 'jobs run reply-lookups')).body);
const replyRow = (s: SmsopsUnderTest) =>
  s.db.prepare('SELECT status, wavix_message_id AS id FROM conversation_replies').get() as { status: string; id: string | null };
const askedWavixFor = (s: SmsopsUnderTest, id: string) =>
  s.emulator.requests().filter((r) => r.method === 'GET' && r.path === `/v3/messages/${id}`).length;
const checksCount = async (s: SmsopsUnderTest, result: 'refused' | 'failed') => {
  const text = await (await fetch(`${s.smsops.url}/metrics`)).text();
  return Number(new RegExp(`smsops_reply_report_checks_total\\{result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 'NaN');
};
const refusedCount = (s: SmsopsUnderTest) => checksCount(s, 'refused');
/** Waits for the reply's status line to say Delivered. */
const deliveredLine = (s: SmsopsUnderTest) =>
  waitUntil(
    () => statusLine(s).startsWith('Delivered'),
    5000,
    () => `the delivered line, got ${statusLine(s)}`,
  );
/** The carrier will not reach the customer: Wavix's record of a send to them ends undelivered ("Absent subscriber"). */
async function customerUnreachable(s: SmsopsUnderTest): Promise<void> {
  const failing = await fetch(`${s.emulator.url}/_emulator/failing-destinations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ number: CUSTOMER, error: 'Absent subscriber' }),
  });
  expect(failing.status).toBe(201);
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

describe("a reply's delivery reports, confirmed at Wavix before they settle it", () => {
  it('a forged "Delivered" before the real "Undelivered": the thread ends Undelivered, the forgery refused and counted', async () => {
    const s = await start();
    // The carrier will not reach the customer: Wavix's record ends undelivered.
    await customerUnreachable(s);
    const id = await sentReply(s);
    // Whoever holds the webhook secret reads the Wavix id off the status line and posts "delivered" first.
    await report(s, { message_id: id, status: 'delivered' });
    await settle();
    expect(statusLine(s)).toBe(`Sent · Wavix id \`${id}\` · 1 segment, GSM-7`);
    expect(replyRow(s).status).toBe('accepted');
    // The carrier's real outcome, recorded and reported by Wavix.
    await s.emulator.clock.advance(SENT_AFTER_MS + FINAL_AFTER_MS + 100);
    await report(s, { message_id: id, status: 'undelivered', error: 'Absent subscriber' });
    await waitUntil(
      () => statusLine(s).startsWith('Undelivered'),
      5000,
      () => `the undelivered line, got ${statusLine(s)}`,
    );
    expect(statusLine(s)).toContain('Absent subscriber');
    // The forged one, asked again, is contradicted by Wavix's record: refused, nothing moves.
    await s.emulator.clock.advance(2 * MINUTE);
    expect(await runLookups(s)).toContain('1 refused');
    expect(replyRow(s).status).toBe('undelivered');
    expect(statusLine(s)).toMatch(/^Undelivered/);
    expect(await refusedCount(s)).toBe(1);
  });

  it('a forged report linking a made-up Wavix id to a reply of unknown outcome: refused, and the look-up still finds the real send', async () => {
    const s = await start();
    const threadTs = await relayedThread(s, 'confirm');
    counter += 1;
    s.emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 500, afterActing: true });
    await replyInThread(s, threadTs, REPLY_TS(), 'On its way', `EvConfirm${counter}`);
    await waitUntil(
      () => statusLine(s).startsWith('May have been sent'),
      10_000,
      () => `the unknown line, got ${statusLine(s)}`,
    );
    const [sms] = s.emulator.state().messages.filter((m) => m.direction === 'outbound');
    // The reply's tag, read from its Slack link, on a report of a message Wavix never sent.
    await report(s, {
      message_id: 'made-up-1',
      status: 'sent',
      tag: replyTagOf({ slackChannel: INBOX, slackMessageTs: REPLY_TS() }),
    });
    await waitUntil(
      () => askedWavixFor(s, 'made-up-1') > 0,
      5000,
      () => 'Wavix asked about the report',
    );
    await settle();
    expect(replyRow(s)).toEqual({ status: 'unknown', id: null });
    expect(statusLine(s)).toMatch(/^May have been sent/);
    expect(await refusedCount(s)).toBe(1);
    // The look a minute on finds the real send by its tag.
    await s.emulator.clock.advance(MINUTE + 1000);
    expect(await runLookups(s)).toContain('1 found');
    await waitUntil(
      () => statusLine(s).includes(`Wavix id \`${sms?.message_id}\``),
      5000,
      () => `the real send's line, got ${statusLine(s)}`,
    );
    expect(replyRow(s).id).toBe(sms?.message_id);
  });

  it("another reply's real Wavix id posted with this reply's tag: refused, this reply stays unknown and unlinked", async () => {
    const s = await start();
    const otherId = await sentReply(s);
    // A second reply in the same thread, whose send Wavix answered 500 without sending it.
    const threadTs = (s.db.prepare('SELECT thread_ts AS ts FROM conversation_replies').get() as { ts: string }).ts;
    counter += 1;
    s.emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 500 });
    await replyInThread(s, threadTs, REPLY_TS(), 'On its way', `EvConfirm${counter}`);
    await waitUntil(
      () => statusLine(s).startsWith('May have been sent'),
      10_000,
      () => `the unknown line, got ${statusLine(s)}`,
    );
    await report(s, {
      message_id: otherId,
      status: 'sent',
      tag: replyTagOf({ slackChannel: INBOX, slackMessageTs: REPLY_TS() }),
    });
    for (let i = 0; i < 20 && (await refusedCount(s)) < 1; i += 1) await settle();
    expect(await refusedCount(s)).toBe(1);
    const row = s.db
      .prepare('SELECT status, wavix_message_id AS id FROM conversation_replies WHERE slack_message_ts = ?')
      .get(REPLY_TS());
    expect(row).toEqual({ status: 'unknown', id: null });
  });

  it('a genuine "Delivered" is applied once Wavix confirms it: the status line says Delivered with its Wavix id', async () => {
    const s = await start();
    const id = await sentReply(s);
    wavixRecords(s, { message_id: id, status: 'delivered' });
    await report(s, { message_id: id, status: 'delivered' });
    await deliveredLine(s);
    expect(statusLine(s)).toBe(`Delivered · Wavix id \`${id}\` · 1 segment, GSM-7`);
    expect(askedWavixFor(s, id)).toBe(1);
    expect(await refusedCount(s)).toBe(0);
  });

  it('Wavix down when the report comes: kept, not applied, and applied once Wavix answers', async () => {
    const s = await start();
    const id = await sentReply(s);
    wavixRecords(s, { message_id: id, status: 'delivered' });
    s.emulator.injectFault({ method: 'GET', path: `/v3/messages/${id}`, status: 503, times: 10 });
    await report(s, { message_id: id, status: 'delivered' });
    // Every try of that check answered 503: the report is kept for later.
    for (let i = 0; i < 20 && (await checksCount(s, 'failed')) < 1; i += 1) await settle();
    expect(await checksCount(s, 'failed')).toBe(1);
    expect(statusLine(s)).toBe(`Sent · Wavix id \`${id}\` · 1 segment, GSM-7`);
    s.emulator.clearFaults();
    await s.emulator.clock.advance(2 * MINUTE);
    expect(await runLookups(s)).toContain('1 applied');
    await deliveredLine(s);
    expect(replyRow(s).status).toBe('delivered');
  });
});

describe('a genuine report on the Wavix id a reply holds, whose record Wavix returns otherwise than smsops sent it', () => {
  it('a record whose tag Wavix returns recased and cut: the Delivered is applied (its id is the reply’s own)', async () => {
    const s = await start();
    const id = await sentReply(s);
    const tag = replyTagOf({ slackChannel: INBOX, slackMessageTs: REPLY_TS() });
    wavixRecords(s, { message_id: id, status: 'delivered', tag: tag.toUpperCase().slice(0, 32) });
    await report(s, { message_id: id, status: 'delivered' });
    await deliveredLine(s);
    expect(await refusedCount(s)).toBe(0);
  });

  it('a record Wavix does not find yet (404) when the report comes: waited for, applied once Wavix has it', async () => {
    const s = await start();
    const id = await sentReply(s);
    wavixRecords(s, { message_id: id, status: 'delivered' });
    s.emulator.injectFault({ method: 'GET', path: `/v3/messages/${id}`, status: 404, body: { message: 'Record not found' } });
    await report(s, { message_id: id, status: 'delivered' });
    await waitUntil(
      () => askedWavixFor(s, id) > 0,
      5000,
      () => 'Wavix asked about the report',
    );
    await settle();
    expect(await refusedCount(s)).toBe(0);
    await s.emulator.clock.advance(2 * MINUTE);
    expect(await runLookups(s)).toContain('1 applied');
    await deliveredLine(s);
    expect(replyRow(s).status).toBe('delivered');
  });
});

describe("a reply's reports waiting for Wavix past the cap", () => {
  it('ten forged "Delivered" spellings fill the reply’s waiting reports before the real "Undelivered": the thread still ends Undelivered', async () => {
    const s = await start();
    await customerUnreachable(s);
    const id = await sentReply(s);
    const spellings = ['delivered', 'Delivered', 'DELIVERED', ' delivered', 'delivered ', 'DeLivered', 'dElivered'];
    const more = ['deLivered', 'delIvered', 'deliVered', 'delivEred'];
    for (const status of [...spellings, ...more]) await report(s, { message_id: id, status });
    await settle();
    expect(replyRow(s).status).toBe('accepted');
    await s.emulator.clock.advance(SENT_AFTER_MS + FINAL_AFTER_MS + 100);
    await report(s, { message_id: id, status: 'undelivered', error: 'Absent subscriber' });
    for (let i = 0; i < 6 && !statusLine(s).startsWith('Undelivered'); i += 1) {
      await s.emulator.clock.advance(31 * MINUTE);
      await runLookups(s);
      await settle();
    }
    expect(statusLine(s)).toMatch(/^Undelivered/);
    expect(replyRow(s).status).toBe('undelivered');
  }, 60_000);
});

describe('a late carrier receipt over Wavix\'s "no receipt in time"', () => {
  it('a "Delivered" reported while Wavix\'s record still says dlr_expired waits, and is applied once the record says delivered', async () => {
    const s = await start();
    const id = await sentReply(s);
    wavixRecords(s, { message_id: id, status: 'dlr_expired' });
    await report(s, { message_id: id, status: 'delivered' });
    await waitUntil(
      () => askedWavixFor(s, id) > 0,
      5000,
      () => 'Wavix asked about the report',
    );
    await settle();
    expect(await refusedCount(s)).toBe(0);
    wavixRecords(s, { message_id: id, status: 'delivered' });
    await s.emulator.clock.advance(2 * MINUTE);
    expect(await runLookups(s)).toContain('1 applied');
    await deliveredLine(s);
  });
});
