import { afterEach, describe, expect, it } from 'vitest';
import { HELD_REPORT_MAX_AGE_MS } from '../../src/core/conversations/replyReportChecks.js';
import { replyTagOf } from '../../src/core/conversations/replyTag.js';
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

const { inbox: INBOX, replier: REPLIER, customer: CUSTOMER, ourNumber: OUR_NUMBER } = REPLY_THREAD;
const MINUTE = 60_000;

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const replyRows = (s: SmsopsUnderTest) =>
  s.db.prepare('SELECT status, wavix_message_id AS id FROM conversation_replies ORDER BY slack_message_ts').all() as Array<{
    status: string;
    id: string | null;
  }>;
const runLookups = async (s: SmsopsUnderTest) => readable((await runCommand(s, 'jobs run reply-lookups')).body);
const checksFailed = async (s: SmsopsUnderTest) => {
  const text = await (await fetch(`${s.smsops.url}/metrics`)).text();
  return Number(/smsops_reply_report_checks_total\{result="failed"\} (\d+)/.exec(text)?.[1] ?? 'NaN');
};

describe("a reply's delivery report whose record Wavix answers in a shape smsops cannot read", () => {
  it('does not stop the look-ups of other replies, and is given up after the held reports’ 3 days', async () => {
    const s = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0' });
    t = s;
    s.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
    const threadTs = await relayedThread(s, 'unreadable');
    // A reply Wavix took: "Sent · Wavix id …".
    await replyInThread(s, threadTs, '1800000900.000001', 'On its way', 'EvUnreadable1');
    await waitUntil(
      () => replyRows(s)[0]?.id !== null && replyRows(s)[0]?.id !== undefined,
      10_000,
      () => 'the first reply sent',
    );
    const id = replyRows(s)[0]?.id as string;
    // Wavix's record of that one message comes back in a shape the schema refuses (no status), every time.
    s.emulator.injectFault({ method: 'GET', path: `/v3/messages/${id}`, status: 200, body: { message_id: id }, times: 1000 });
    const posted = await postDeliveryReport(s, {
      message_id: id,
      message_type: 'sms',
      from: OUR_NUMBER,
      to: CUSTOMER,
      status: 'delivered',
      segments_count: 1,
      error: null,
    });
    expect(posted.status).toBe(200);
    for (let i = 0; i < 25 && (await checksFailed(s)) < 1; i += 1) await new Promise((r) => setTimeout(r, 200));
    expect(await checksFailed(s)).toBe(1);
    // A second reply whose send Wavix took but answered 500: "May have been sent", looked up by its tag.
    s.emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 500, afterActing: true });
    await replyInThread(s, threadTs, '1800000900.000002', 'And this one', 'EvUnreadable2');
    await waitUntil(
      () => statusLine(s).startsWith('May have been sent'),
      10_000,
      () => `the unknown line, got ${statusLine(s)}`,
    );
    // Its look-ups, over the next 10 minutes, find it: the other reply's unreadable record does not stop them.
    for (let i = 0; i < 10 && replyRows(s)[1]?.status === 'unknown'; i += 1) {
      await s.emulator.clock.advance(MINUTE + 1000);
      await runLookups(s);
    }
    expect(replyRows(s)[1]?.status).not.toBe('unknown');
    expect(replyRows(s)[1]?.id).not.toBeNull();
    // The report Wavix never answered readably is not kept for ever: past 3 days it is given up, the job is ok.
    await s.emulator.clock.advance(HELD_REPORT_MAX_AGE_MS + MINUTE);
    const after = await runLookups(s);
    expect(after).not.toMatch(/did not answer/);
    const waiting = s.db.prepare('SELECT count(*) AS n FROM reply_report_checks WHERE due_at IS NOT NULL').get() as {
      n: number;
    };
    expect(waiting.n).toBe(0);
  }, 60_000);
});

describe('a forged report linking an id Wavix refuses to look up (400/422) to a reply of unknown outcome', () => {
  it('is refused at once, not kept for 3 days in one of the reply’s waiting places', async () => {
    const s = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0' });
    t = s;
    s.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
    const threadTs = await relayedThread(s, 'unreadable-forged');
    s.emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 500 });
    await replyInThread(s, threadTs, '1800000901.000001', 'On its way', 'EvUnreadableForged');
    await waitUntil(
      () => statusLine(s).startsWith('May have been sent'),
      10_000,
      () => `the unknown line, got ${statusLine(s)}`,
    );
    s.emulator.injectFault({
      method: 'GET',
      path: '/v3/messages/not-a-wavix-id',
      status: 422,
      body: { success: false, message: 'Invalid id' },
      times: 100,
    });
    const posted = await postDeliveryReport(s, {
      message_id: 'not-a-wavix-id',
      message_type: 'sms',
      from: OUR_NUMBER,
      to: CUSTOMER,
      status: 'sent',
      segments_count: 1,
      error: null,
      tag: replyTagOf({ slackChannel: INBOX, slackMessageTs: '1800000901.000001' }),
    });
    expect(posted.status).toBe(200);
    await waitUntil(
      () =>
        (s.db.prepare("SELECT count(*) AS n FROM reply_report_checks WHERE outcome = 'refused'").get() as { n: number }).n === 1,
      5000,
      () => 'the forged report refused',
    );
    expect(replyRows(s)).toEqual([{ status: 'unknown', id: null }]);
  });
});
