import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { replyTagOf } from '../../src/core/conversations/replyTag.js';
import { closeDatabase, openDatabase } from '../../src/store/database.js';
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
const dirs: string[] = [];
afterEach(async () => {
  await t?.stop();
  t = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** smsops without PUBLIC_BASE_URL: Wavix has no delivery-report webhook to call, so only a look-up can settle a reply. */
async function start(env: Record<string, string> = {}): Promise<SmsopsUnderTest> {
  t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0', PUBLIC_BASE_URL: undefined, ...env });
  t.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
  return t;
}

let counter = 0;

/** The latest text of the status line under replies (posted, then edited in place). */

/** A reply whose send Wavix answers 500 (`acted`: after sending it, or without): its line says "May have been sent". */
async function unknownReply(s: SmsopsUnderTest, acted: boolean): Promise<void> {
  const threadTs = await relayedThread(s, 'lookup');
  s.emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 500, afterActing: acted });
  await replyInThread(s, threadTs, `1800000700.00000${++counter}`, 'On its way', `EvLookup${counter}`);
  await waitUntil(
    () => statusLine(s).startsWith('May have been sent'),
    10_000,
    () => `the unknown line, got ${statusLine(s)}`,
  );
}

const runLookups = async (s: SmsopsUnderTest) => readable((await runCommand(s, 'jobs run reply-lookups')).body);
const replyRow = (s: SmsopsUnderTest) =>
  s.db.prepare('SELECT status, wavix_message_id AS id FROM conversation_replies').get() as { status: string; id: string | null };
const audits = (s: SmsopsUnderTest) =>
  s.db.prepare("SELECT outcome, detail FROM audit_log WHERE action = 'conversation.reply' ORDER BY id").all() as Array<{
    outcome: string;
    detail: string | null;
  }>;

describe('a reply of unknown outcome, looked up at Wavix by its tag', () => {
  it('Wavix sent it (its answer lost, no delivery-report webhook): a minute on, the line says Delivered, and the audit that it went out', async () => {
    const s = await start();
    await unknownReply(s, true);
    const [sms] = s.emulator.state().messages.filter((m) => m.direction === 'outbound');
    // Wavix delivers it (its report goes nowhere: no webhook), and the first look is due.
    await s.emulator.clock.advance(MINUTE + 1000);
    expect(await runLookups(s)).toContain('reply-lookups: ok');
    await waitUntil(
      () => statusLine(s).startsWith('Delivered'),
      5000,
      () => `the delivered line, got ${statusLine(s)}`,
    );
    expect(statusLine(s)).toBe(`Delivered · Wavix id \`${sms?.message_id}\` · 1 segment, GSM-7`);
    expect(replyRow(s)).toEqual({ status: 'delivered', id: sms?.message_id });
    expect(audits(s).map((a) => a.outcome)).toEqual(['unknown', 'ok']);
    expect(audits(s)[1]?.detail).toBe('Wavix reported it delivered: the send whose outcome was unknown went out');
  });

  it('Wavix has no record of it: still "May have been sent" after 1 and 5 minutes, "Not sent … you may post it again" after the 30-minute look', async () => {
    const s = await start();
    await unknownReply(s, false);
    expect(s.emulator.state().messages.filter((m) => m.direction === 'outbound')).toEqual([]);
    const unknownLine = statusLine(s);
    for (const to of [MINUTE, 5 * MINUTE]) {
      await s.emulator.clock.advance(to - (to === MINUTE ? 0 : MINUTE) + 1000);
      expect(await runLookups(s)).toContain('reply-lookups: ok');
      expect(statusLine(s)).toBe(unknownLine);
      expect(replyRow(s).status).toBe('unknown');
    }
    await s.emulator.clock.advance(25 * MINUTE);
    await runLookups(s);
    await waitUntil(
      () => statusLine(s).startsWith('Not sent'),
      5000,
      () => `the not-sent line, got ${statusLine(s)}`,
    );
    expect(statusLine(s)).toBe(
      'Not sent: Wavix has no record of it (looked up by its tag over 30 minutes), so it was not sent. You may post it again. · 1 segment, GSM-7',
    );
    expect(audits(s).map((a) => a.outcome)).toEqual(['unknown', 'failed']);
    // Looked up no more.
    await s.emulator.clock.advance(60 * MINUTE);
    expect(await runLookups(s)).toContain('0 found, 0 not sent (no record at Wavix), 0 not yet found');

    // Wavix reporting it after all, by its tag: the line moves on, and the audit says the send went out.
    const { slack_channel: channel, slack_message_ts: ts } = s.db
      .prepare('SELECT slack_channel, slack_message_ts FROM conversation_replies')
      .get() as { slack_channel: string; slack_message_ts: string };
    const tag = replyTagOf({ slackChannel: channel, slackMessageTs: ts });
    // Wavix's record agrees (smsops confirms a report linking a Wavix id to a reply there first).
    wavixRecords(s, { message_id: 'wvx-late', status: 'delivered', tag });
    const late = await postDeliveryReport(s, {
      message_id: 'wvx-late',
      message_type: 'sms',
      from: OUR_NUMBER,
      to: CUSTOMER,
      status: 'delivered',
      segments_count: 1,
      error: null,
      tag,
    });
    expect(late.status).toBe(200);
    await waitUntil(
      () => statusLine(s).startsWith('Delivered'),
      5000,
      () => `the delivered line, got ${statusLine(s)}`,
    );
    expect(audits(s).at(-1)).toEqual({
      outcome: 'ok',
      detail: 'Wavix reported it delivered: the send it had no record of went out',
    });
  });

  it('Wavix failing the look-up leaves the line as it was, says so in /sms jobs and /healthz, and the look after the back-off settles it', async () => {
    const s = await start();
    await unknownReply(s, true);
    const unknownLine = statusLine(s);
    const edits = s.fakeSlack.callsTo('chat.update').length;
    // Every attempt of the look (the client's retries included) answered 503.
    s.emulator.injectFault({ method: 'GET', path: '/v3/messages', status: 503, times: 4 });
    await s.emulator.clock.advance(MINUTE + 1000);
    const failed = await runLookups(s);
    expect(failed).toContain('reply-lookups: failed');
    expect(failed).toContain('Its line stays "May have been sent"; the next look in 1 min.');
    expect(s.fakeSlack.callsTo('chat.update').length).toBe(edits);
    expect(statusLine(s)).toBe(unknownLine);
    expect(replyRow(s).status).toBe('unknown');
    const health = (await (await fetch(`${s.smsops.url}/healthz`)).json()) as { reasons: string[]; replyLookups: string };
    // Said, never a reason to fail: no SMS waits on it.
    expect(health.reasons.join(' ')).not.toMatch(/look|repl/i);
    expect(health.replyLookups).toMatch(
      /^failing since .* \(1 in a row\): Wavix is unavailable right now \(503\).*[^.]; 1 reply of unknown outcome waits for a look at Wavix$/,
    );
    const jobs = readable((await runCommand(s, 'jobs')).body);
    expect(jobs).toContain('reply-lookups');

    // Within the back-off Wavix is not asked again; after it, the look settles the reply.
    expect(await runLookups(s)).toContain('backing off');
    await s.emulator.clock.advance(MINUTE + 1000);
    expect(await runLookups(s)).toContain('reply-lookups: ok');
    await waitUntil(
      () => statusLine(s).startsWith('Delivered'),
      5000,
      () => `the delivered line, got ${statusLine(s)}`,
    );
    const healed = (await (await fetch(`${s.smsops.url}/healthz`)).json()) as { replyLookups: string };
    expect(healed.replyLookups).toBe('ok');
  });

  it('left unknown by an smsops that stopped, whose report came while it was down: looked up at the next start, not minutes later', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-lookup-'));
    dirs.push(dir);
    const path = join(dir, 'smsops.db');
    const at = Date.now() - 2 * MINUTE;
    const { db } = openDatabase(path);
    // A reply looked up once already (its next look due at 5 minutes), its status line posted.
    db.prepare(
      `INSERT INTO conversation_replies (slack_channel, thread_ts, slack_message_ts, slack_user, from_number, to_number,
        text_length, segments, encoding, status, status_reason, created_at, status_at, status_ts, lookups, lookup_due_at)
       VALUES (?, '1800000800.000001', '1800000800.000002', ?, ?, ?, 10, 1, 'GSM-7', 'unknown', 'Wavix did not answer in time.',
        ?, ?, '1800000800.000003', 1, ?)`,
    ).run(INBOX, REPLIER, OUR_NUMBER, CUSTOMER, at, at, at + 5 * MINUTE);
    closeDatabase(db);

    const s = await start({ DATABASE_PATH: path });
    // What Wavix holds: the reply's SMS, sent with its tag.
    const tag = replyTagOf({ slackChannel: INBOX, slackMessageTs: '1800000800.000002' });
    const sent = await fetch(`${s.emulator.url}/v3/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.emulator.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: OUR_NUMBER, to: CUSTOMER, message_body: { text: 'On its way', media: null }, tag }),
    });
    expect(sent.status).toBe(201);
    const { message_id: id } = (await sent.json()) as { message_id: string };

    expect(await runLookups(s)).toContain('reply-lookups: ok');
    await waitUntil(
      () => s.fakeSlack.callsTo('chat.update').some((c) => String(c.args.text).startsWith('Sent')),
      5000,
      () => 'the Sent line',
    );
    const update = s.fakeSlack.callsTo('chat.update').find((c) => String(c.args.text).startsWith('Sent'));
    expect(update?.args).toMatchObject({ channel: INBOX, ts: '1800000800.000003' });
    expect(update?.args.text).toBe(`Sent · Wavix id \`${id}\` · 1 segment, GSM-7`);
  });

  it('a send cut by a killed smsops: "May have been sent" at the next start, then what Wavix lists once looked up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsops-lookup-'));
    dirs.push(dir);
    const path = join(dir, 'smsops.db');
    const at = Date.now() - MINUTE;
    const { db } = openDatabase(path);
    // What kill -9 during a send leaves: the row `sending`, its "Sending…" line posted, no Wavix id.
    db.prepare(
      `INSERT INTO conversation_replies (slack_channel, thread_ts, slack_message_ts, slack_user, from_number, to_number,
        text_length, segments, encoding, status, created_at, status_at, status_ts)
       VALUES (?, '1800000900.000001', '1800000900.000002', ?, ?, ?, 10, 1, 'GSM-7', 'sending', ?, ?, '1800000900.000003')`,
    ).run(INBOX, REPLIER, OUR_NUMBER, CUSTOMER, at, at);
    closeDatabase(db);

    const s = await start({ DATABASE_PATH: path });
    const [interrupted] = await s.fakeSlack.waitFor('chat.update');
    expect(String(interrupted?.args.text)).toMatch(/^May have been sent: smsops stopped while sending/);
    const tag = replyTagOf({ slackChannel: INBOX, slackMessageTs: '1800000900.000002' });
    const sent = await fetch(`${s.emulator.url}/v3/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.emulator.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: OUR_NUMBER, to: CUSTOMER, message_body: { text: 'On its way', media: null }, tag }),
    });
    const { message_id: id } = (await sent.json()) as { message_id: string };
    // Wavix has handed it to the carrier by now.
    await s.emulator.clock.advance(2000);

    expect(await runLookups(s)).toContain('reply-lookups: ok');
    const [, settled] = await s.fakeSlack.waitFor('chat.update', 2);
    expect(settled?.args).toMatchObject({ channel: INBOX, ts: '1800000900.000003' });
    expect(settled?.args.text).toBe(`Sent · Wavix id \`${id}\` · 1 segment, GSM-7`);
    expect(replyRow(s)).toEqual({ status: 'sent', id });
  });
});
