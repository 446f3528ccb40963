import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPLY_THREAD, relayedThread, replyInThread } from '../helpers/replyThreads.js';
import { ADMIN, postDeliveryReport, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { wavixRecords } from '../helpers/wavixRecords.js';

const { inbox: INBOX, replier: REPLIER, ourNumber: OUR_NUMBER, customer: CUSTOMER } = REPLY_THREAD;
let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0' });
  t.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
});
afterEach(async () => {
  await t.stop();
});

async function replyWithId(threadTs: string, id: string) {
  t.emulator.injectFault({
    method: 'POST',
    path: '/v3/messages',
    status: 201,
    afterActing: true,
    body: { message_id: id, status: 'accepted', segments: 1 },
  });
  await replyInThread(t, threadTs, `1800000000.${id.length}0001`, 'ok', `Ev${id}`);
  await waitUntil(
    () => t.db.prepare('SELECT 1 FROM conversation_replies WHERE wavix_message_id = ?').get(id) !== undefined,
    5000,
    () => 'sent',
  );
}
async function dlr(id: string, status: string) {
  // Wavix's record follows its reports: smsops confirms a reply's first final status there.
  wavixRecords(t, { message_id: id, status, error_message: status === 'undelivered' ? 'Absent subscriber' : null });
  const r = await postDeliveryReport(t, {
    message_id: id,
    message_type: 'sms',
    from: OUR_NUMBER,
    to: CUSTOMER,
    status,
    segments_count: 1,
    error: status === 'undelivered' ? 'Absent subscriber' : null,
  });
  expect(r.status).toBe(200);
  // The status line is edited after the answer: the next report is posted once it had time to be.
  await new Promise((resolve) => setTimeout(resolve, 300));
}
const state = (id: string) => ({
  reply: (t.db.prepare('SELECT status FROM conversation_replies WHERE wavix_message_id = ?').get(id) as { status: string })
    .status,
  outbound: (t.db.prepare('SELECT status FROM outbound_messages WHERE wavix_message_id = ?').get(id) as { status: string })
    .status,
  error: (
    t.db.prepare('SELECT error_message AS e FROM outbound_messages WHERE wavix_message_id = ?').get(id) as { e: string | null }
  ).e,
  lastLine: String(t.fakeSlack.callsTo('chat.update').at(-1)?.args.text ?? ''),
});

/**
 * Wavix's delivery reports of a reply arriving out of order or posted again. A probe found a reply whose report
 * "dlr_expired" came before the real "delivered" left its status line telling the writer to reach the customer another
 * way, and a replayed "undelivered" after "delivered" turn the SMS record (traffic, the watch) undelivered while the
 * thread said delivered.
 */
describe('delivery reports of a reply out of order', () => {
  it('delivered, then a late sent and an undelivered posted again: the thread and the record stay delivered', async () => {
    const ts = await relayedThread(t, 'in');
    await replyWithId(ts, 'wvx-a');
    await dlr('wvx-a', 'delivered');
    await dlr('wvx-a', 'sent');
    await dlr('wvx-a', 'undelivered');
    expect(state('wvx-a')).toEqual({
      reply: 'delivered',
      outbound: 'delivered',
      error: null,
      lastLine: 'Delivered · Wavix id `wvx-a` · 1 segment, GSM-7',
    });
  });

  it('no delivery report, then the real one: the thread turns to Delivered and the record too', async () => {
    const ts = await relayedThread(t, 'in');
    await replyWithId(ts, 'wvx-bb');
    await dlr('wvx-bb', 'dlr_expired');
    expect(state('wvx-bb').lastLine).toMatch(/^Undelivered \(no delivery report\)/);
    await dlr('wvx-bb', 'delivered');
    await waitUntil(
      () => state('wvx-bb').lastLine.startsWith('Delivered'),
      5000,
      () => JSON.stringify(state('wvx-bb')),
    );
    expect(state('wvx-bb')).toMatchObject({ reply: 'delivered', outbound: 'delivered' });
  });
});
