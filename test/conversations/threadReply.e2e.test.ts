import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { createOptOutsRepository } from '../../src/store/repositories/optOuts.js';
import { signSlackRequest } from '../helpers/slackRequests.js';
import {
  ADMIN,
  OUTSIDER,
  postDeliveryReport,
  postInbound,
  readable,
  runCommand,
  SIGNING_SECRET,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { wavixRecords } from '../helpers/wavixRecords.js';

const INBOX = 'C0INBOX001';
const REPLIER = 'U0REPLY001';
const OUR_NUMBER = '14155550100';
const CUSTOMER = '447400123456';

let t: SmsopsUnderTest;

beforeEach(async () => {
  t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0' });
  t.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
  t.fakeSlack.enforceLimits();
});

afterEach(async () => {
  await t.stop();
});

let counter = 0;

/** An inbound SMS through smsops' webhook, as Wavix posts it; resolves with the ts of its Slack thread. */
async function relayedThread(from = CUSTOMER): Promise<string> {
  const before = t.fakeSlack.callsTo('chat.postMessage').length;
  const response = await fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message_id: `in-${++counter}-${Date.now()}`,
      message_type: 'sms',
      from,
      to: OUR_NUMBER,
      message_body: { text: 'Hello, is my order on its way?', media: null },
      received_at: new Date().toISOString(),
    }),
  });
  expect(response.status).toBe(200);
  const posts = await t.fakeSlack.waitFor('chat.postMessage', before + 1);
  const ts = posts[before]?.result?.ts;
  expect(typeof ts).toBe('string');
  // smsops records the thread once Slack answered: wait until a reply can find it.
  await waitUntil(
    () => t.db.prepare('SELECT 1 FROM slack_threads WHERE thread_ts = ?').get(ts) !== undefined,
    5000,
    () => 'the relay thread recorded',
  );
  return ts as string;
}

let tsCounter = 0;
const nextTs = () => `1800000000.${String(++tsCounter).padStart(6, '0')}`;

interface SentEvent {
  eventId: string;
  body: string;
  status: number;
}

/** A message event as Slack sends it (signed), with an event id a test can deliver again. */
async function sendEvent(event: Record<string, unknown>, options: { eventId?: string; retryNum?: string } = {}) {
  const eventId = options.eventId ?? `EvReply${++counter}`;
  const body = JSON.stringify({
    token: 'x',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: 'T1', user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
    event: { channel_type: 'channel', event_ts: event.ts, ...event },
  });
  const headers: Record<string, string> = { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, body) };
  if (options.retryNum) {
    headers['x-slack-retry-num'] = options.retryNum;
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  const answer = await t.slack.raw(body, headers);
  return { eventId, body, status: answer.status } satisfies SentEvent;
}

const reply = (threadTs: string, text: string, extra: Record<string, unknown> = {}) =>
  sendEvent({ type: 'message', channel: INBOX, user: REPLIER, text, ts: nextTs(), thread_ts: threadTs, ...extra });

/** Slack's message_changed event of a person's edit of their message `ts` in the thread, from `before` to `after`. */
const editEvent = (threadTs: string, ts: string, before: string, after: string) =>
  sendEvent({
    type: 'message',
    subtype: 'message_changed',
    channel: INBOX,
    ts: nextTs(),
    message: { type: 'message', user: REPLIER, text: after, ts, thread_ts: threadTs, edited: { user: REPLIER, ts: nextTs() } },
    previous_message: { type: 'message', user: REPLIER, text: before, ts, thread_ts: threadTs },
  });

/** Slack's message_deleted event of the message `ts` a person posted in the thread. */
const deleteEvent = (threadTs: string, ts: string, text: string) =>
  sendEvent({
    type: 'message',
    subtype: 'message_deleted',
    hidden: true,
    channel: INBOX,
    ts: nextTs(),
    deleted_ts: ts,
    previous_message: { type: 'message', user: REPLIER, text, ts, thread_ts: threadTs },
  });

/** "Done :partyparrot:" as Slack's rich text carries it: a custom emoji, which the customer would read as its name. */
const DONE_PARTYPARROT_BLOCKS = [
  {
    type: 'rich_text',
    elements: [
      {
        type: 'rich_text_section',
        elements: [
          { type: 'text', text: 'Done ' },
          { type: 'emoji', name: 'partyparrot' },
        ],
      },
    ],
  },
];
const outboundSms = () => t.emulator.state().messages.filter((m) => m.direction === 'outbound');
const sendsToWavix = () => t.emulator.requests().filter((r) => r.method === 'POST' && r.path === '/v3/messages');
const threadPosts = (threadTs: string) =>
  t.fakeSlack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === threadTs && !c.error);
const statusLines = (threadTs: string) =>
  threadPosts(threadTs).filter((c) => /^(Sending…|Sent|Not sent|Delivered|Undelivered)/.test(String(c.args.text)));

// biome-ignore lint/suspicious/noExplicitAny: rows of the test's own SQL
const rows = (sql: string, ...params: unknown[]): any[] => t.db.prepare(sql).all(...params);

/** Wavix's delivery report of `messageId` as delivered in `segments` segments: the status line's edit to "Delivered …". */
async function deliveredCounting(messageId: string | undefined, segments: number) {
  // Wavix's record agrees (smsops confirms a reply's first final status there, and takes Wavix's count).
  wavixRecords(t, { message_id: messageId as string, status: 'delivered', segments });
  const report = await postDeliveryReport(t, {
    message_id: messageId,
    message_type: 'sms',
    from: OUR_NUMBER,
    to: CUSTOMER,
    status: 'delivered',
    segments_count: segments,
    sent: '2026-11-25T10:00:00',
    delivered: '2026-11-25T10:00:05',
    error: null,
    charge: '0.0950',
    carrier_fees: '0.0',
  });
  expect(report.status).toBe(200);
  const isDelivered = (c: { args: Record<string, unknown> }) => String(c.args.text).startsWith('Delivered');
  await waitUntil(
    () => t.fakeSlack.callsTo('chat.update').some(isDelivered),
    5000,
    () => 'the status line updated to Delivered',
  );
  return t.fakeSlack.callsTo('chat.update').find(isDelivered);
}

/**
 * A reply whose send Wavix answers with `segments` (its own count, which it documents no rules for): the status line's
 * edit to "Sent …", once made.
 */
async function sentWithWavixCount(threadTs: string, messageId: string, segments: number) {
  t.emulator.injectFault({
    method: 'POST',
    path: '/v3/messages',
    status: 201,
    afterActing: true,
    body: { message_id: messageId, status: 'accepted', segments },
  });
  await reply(threadTs, 'Your order ships today');
  const isSent = (c: { args: Record<string, unknown> }) => String(c.args.text).startsWith('Sent');
  await waitUntil(
    () => t.fakeSlack.callsTo('chat.update').some(isSent),
    5000,
    () => 'the status line updated to Sent',
  );
  return t.fakeSlack.callsTo('chat.update').find(isSent);
}

/** Another event processed after `check`'s: once it is handled, anything the first would have done is done. */
async function settled(threadTs: string) {
  const marker = await reply(threadTs, 'marker', { user: OUTSIDER });
  expect(marker.status).toBe(200);
  await waitUntil(
    () => t.fakeSlack.callsTo('chat.postEphemeral').some((c) => c.args.user === OUTSIDER),
    5000,
    () => 'the marker event refused',
  );
}

describe('a reply in the Slack thread of a relayed SMS', () => {
  it('sends exactly one SMS with the typed text, even when Slack delivers the event again; audited; status sending then sent', async () => {
    const threadTs = await relayedThread();
    // What Slack sends for "Hi & welcome <3 example.com ’": entities, and the link it made of example.com.
    const first = await reply(
      threadTs,
      'Hi &amp; welcome &lt;3 <http://example.com|example.com> ’ <mailto:help@acme.test|help@acme.test>',
    );
    expect(first.status).toBe(200);
    await waitUntil(
      () => outboundSms().length === 1,
      5000,
      () => 'one SMS at Wavix',
    );

    // Slack's retry of the same event: acknowledged, not processed again.
    const retry = await t.slack.raw(first.body, {
      'content-type': 'application/json',
      ...signSlackRequest(SIGNING_SECRET, first.body),
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    expect(retry.status).toBe(200);
    await waitUntil(
      () => t.fakeSlack.callsTo('chat.update').some((c) => String(c.args.text).startsWith('Sent')),
      5000,
      () => 'the status line updated to Sent',
    );
    await settled(threadTs);

    const [sms] = outboundSms();
    expect(outboundSms()).toHaveLength(1);
    expect(sms?.from).toBe(`+${OUR_NUMBER}`);
    expect(sms?.to).toBe(`+${CUSTOMER}`);
    expect(sms?.message_body.text).toBe('Hi & welcome <3 example.com ’ help@acme.test');

    const [line] = statusLines(threadTs);
    expect(statusLines(threadTs)).toHaveLength(1);
    expect(line?.args.text).toBe('Sending… · 1 segment, UCS-2 because of ’');
    const sent = t.fakeSlack.callsTo('chat.update').filter((c) => c.args.ts === line?.result?.ts);
    expect(sent.map((c) => c.args.text)).toEqual([`Sent · Wavix id \`${sms?.message_id}\` · 1 segment, UCS-2 because of ’`]);

    const [recorded] = rows('SELECT * FROM conversation_replies');
    expect(recorded).toMatchObject({
      from_number: OUR_NUMBER,
      to_number: CUSTOMER,
      slack_user: REPLIER,
      wavix_message_id: sms?.message_id,
      status: 'accepted',
      status_ts: line?.result?.ts,
      segments: 1,
      encoding: 'UCS-2',
    });
    // The marker of `settled` (a non-member) is audited too, as refused.
    const audits = rows("SELECT * FROM audit_log WHERE action = 'conversation.reply' AND actor = ?", REPLIER);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor: REPLIER, target: CUSTOMER, outcome: 'ok' });
    expect(JSON.parse(audits[0].params)).toMatchObject({
      from: OUR_NUMBER,
      to: CUSTOMER,
      length: sms?.message_body.text.length,
      wavixMessageId: sms?.message_id,
    });
    // The SMS text is never logged nor audited.
    expect(t.logs.join('\n')).not.toContain('welcome');
    expect(JSON.stringify(audits)).not.toContain('welcome');
  });

  it('sends emoji as the person typed them (from the event’s rich_text, where `text` has shortcodes), priced as UCS-2', async () => {
    t.fakeSlack.seedUser(ADMIN, { displayName: 'Bob', admin: true });
    const threadTs = await relayedThread();
    // What Slack sends for "Thanks 👍🏽 see you 🙂 #sms-inbox" typed in the composer.
    t.fakeSlack.seedChannels([{ id: INBOX, name: 'sms-inbox' }]);
    await reply(threadTs, 'Thanks :+1::skin-tone-4: see you :slightly_smiling_face: <#C0INBOX001>', {
      blocks: [
        {
          type: 'rich_text',
          block_id: 'Xq3Ab',
          elements: [
            {
              type: 'rich_text_section',
              elements: [
                { type: 'text', text: 'Thanks ' },
                { type: 'emoji', name: '+1', unicode: '1f44d-1f3fd', skin_tone: 4 },
                { type: 'text', text: ' see you ' },
                { type: 'emoji', name: 'slightly_smiling_face', unicode: '1f642' },
                { type: 'text', text: ' ' },
                { type: 'channel', channel_id: INBOX },
              ],
            },
          ],
        },
      ],
    });
    await waitUntil(
      () => t.fakeSlack.callsTo('chat.update').some((c) => String(c.args.text).startsWith('Sent')),
      5000,
      () => 'the status line updated to Sent',
    );
    expect(outboundSms().map((sms) => sms.message_body.text)).toEqual(['Thanks 👍🏽 see you 🙂 #sms-inbox']);
    expect(statusLines(threadTs).map((c) => c.args.text)).toEqual(['Sending… · 1 segment, UCS-2 because of 👍🏽, 🙂']);
    expect(rows('SELECT segments, encoding FROM conversation_replies')).toEqual([{ segments: 1, encoding: 'UCS-2' }]);
  });

  it('sends a tracking number marked as code without Slack’s backticks, which would make the SMS UCS-2 (3 segments for 1)', async () => {
    const threadTs = await relayedThread();
    const before = 'Your tracking number is ';
    const after = ', it should arrive tomorrow before noon. Please keep this message for reference later today.';
    await reply(threadTs, `${before}\`1Z999AA10123456784\`${after}`, {
      blocks: [
        {
          type: 'rich_text',
          elements: [
            {
              type: 'rich_text_section',
              elements: [
                { type: 'text', text: before },
                { type: 'text', text: '1Z999AA10123456784', style: { code: true } },
                { type: 'text', text: after },
              ],
            },
          ],
        },
      ],
    });
    await waitUntil(
      () => outboundSms().length === 1,
      5000,
      () => 'one SMS at Wavix',
    );
    expect(outboundSms()[0]?.message_body.text).toBe(`${before}1Z999AA10123456784${after}`);
    expect(statusLines(threadTs).map((c) => c.args.text)).toEqual(['Sending… · 1 segment, GSM-7']);
  });

  it('sends a bullet list typed as "- " with plain dashes, in GSM-7, where Slack’s • made it UCS-2', async () => {
    const threadTs = await relayedThread();
    const item = (text: string) => ({ type: 'rich_text_section', elements: [{ type: 'text', text }] });
    await reply(threadTs, 'Please bring:\n• your ID\n• the order number', {
      blocks: [
        {
          type: 'rich_text',
          elements: [
            { type: 'rich_text_section', elements: [{ type: 'text', text: 'Please bring:\n' }] },
            { type: 'rich_text_list', style: 'bullet', indent: 0, elements: [item('your ID'), item('the order number')] },
          ],
        },
      ],
    });
    await waitUntil(
      () => outboundSms().length === 1,
      5000,
      () => 'one SMS at Wavix',
    );
    expect(outboundSms()[0]?.message_body.text).toBe('Please bring:\n- your ID\n- the order number');
    expect(statusLines(threadTs).map((c) => c.args.text)).toEqual(['Sending… · 1 segment, GSM-7']);
  });

  it('tells the writer, to them only, that a custom emoji goes out as its name', async () => {
    const threadTs = await relayedThread();
    await reply(threadTs, 'Done :partyparrot:', {
      blocks: DONE_PARTYPARROT_BLOCKS,
    });
    const told = () => t.fakeSlack.callsTo('chat.postEphemeral').filter((c) => c.args.user === REPLIER);
    await waitUntil(
      () => outboundSms().length === 1 && told().length === 1,
      5000,
      () => 'the SMS sent and its writer told',
    );
    expect(outboundSms()[0]?.message_body.text).toBe('Done :partyparrot:');
    expect(told()[0]?.args).toMatchObject({
      channel: INBOX,
      thread_ts: threadTs,
      text: 'Your reply goes out with :partyparrot: as text: a custom emoji of this Slack has no character an SMS can carry. Post a new reply if that reads wrong.',
    });
  });

  it('sends a mail link made on other words with its address, so the customer has one to write to', async () => {
    const threadTs = await relayedThread();
    // What Slack sends for "write to our support team" linked to help@acme.test with the formatting toolbar.
    await reply(threadTs, 'Please write to <mailto:help@acme.test|our support team>', {
      blocks: [
        {
          type: 'rich_text',
          elements: [
            {
              type: 'rich_text_section',
              elements: [
                { type: 'text', text: 'Please write to ' },
                { type: 'link', url: 'mailto:help@acme.test', text: 'our support team' },
              ],
            },
          ],
        },
      ],
    });
    await waitUntil(
      () => outboundSms().length === 1,
      5000,
      () => 'one SMS at Wavix',
    );
    expect(outboundSms()[0]?.message_body.text).toBe('Please write to our support team (help@acme.test)');
  });

  it('sends the reply with a callback to smsops’ own DLR webhook', async () => {
    const threadTs = await relayedThread();
    await reply(threadTs, 'On its way');
    await waitUntil(
      () => outboundSms().length === 1,
      5000,
      () => 'one SMS at Wavix',
    );
    const [sms] = outboundSms();
    expect(t.emulator.state().messageExtras.get(sms?.message_id ?? '')?.callbackUrl).toBe(
      `https://smsops.example.com/webhooks/wavix/dlr/${WEBHOOK_SECRET}`,
    );
  });

  it('shows, records and audits the segments Wavix counted when they differ from smsops’ estimate (what Wavix charges)', async () => {
    const threadTs = await relayedThread();
    // Wavix documents no counting rules: its answer says 3 where smsops, by GSM 03.38, counts 1.
    const sent = await sentWithWavixCount(threadTs, 'wx-counted-3', 3);
    expect(sent?.args.text).toBe(
      'Sent · Wavix id `wx-counted-3` · 3 segments by Wavix’s count (smsops counted 1 segment, GSM-7)',
    );
    expect(rows('SELECT segments, wavix_segments FROM conversation_replies')).toEqual([{ segments: 1, wavix_segments: 3 }]);
    const [audited] = rows("SELECT params FROM audit_log WHERE action = 'conversation.reply'");
    expect(JSON.parse(audited.params)).toMatchObject({ segments: 3, segmentsCountedBy: 'wavix', wavixMessageId: 'wx-counted-3' });
  });

  it('takes the segments of a delivery report that counts otherwise, in the status line and the record', async () => {
    const threadTs = await relayedThread();
    await reply(threadTs, 'Your order ships today');
    await waitUntil(
      () => t.fakeSlack.callsTo('chat.update').some((c) => String(c.args.text).startsWith('Sent')),
      5000,
      () => 'the status line updated to Sent',
    );
    const [sms] = outboundSms();
    const delivered = await deliveredCounting(sms?.message_id, 2);
    expect(delivered?.args.text).toBe(
      `Delivered · Wavix id \`${sms?.message_id}\` · 2 segments by Wavix’s count (smsops counted 1 segment, GSM-7)`,
    );
    expect(rows('SELECT segments, wavix_segments FROM conversation_replies')).toEqual([{ segments: 1, wavix_segments: 2 }]);
  });

  // A report Wavix posts before its send answer reaches smsops is applied when the answer is recorded: its status was,
  // its segments_count was dropped, and the line read '1 segment' of a reply Wavix charged 3 (a probe).
  it('takes the segments of a delivery report that came before Wavix’s send answer', async () => {
    const threadTs = await relayedThread();
    t.emulator.injectFault({
      method: 'POST',
      path: '/v3/messages',
      status: 201,
      afterActing: true,
      latencyMs: 1500,
      body: { message_id: 'wx-early-report', status: 'accepted' },
    });
    await reply(threadTs, 'Your order ships today');
    await waitUntil(
      () => t.fakeSlack.callsTo('chat.postMessage').some((c) => String(c.args.text).startsWith('Sending')),
      5000,
      () => 'the status line says Sending',
    );
    const delivered = await deliveredCounting('wx-early-report', 3);
    expect(delivered?.args.text).toBe(
      'Delivered · Wavix id `wx-early-report` · 3 segments by Wavix’s count (smsops counted 1 segment, GSM-7)',
    );
    expect(rows('SELECT segments, wavix_segments FROM conversation_replies')).toEqual([{ segments: 1, wavix_segments: 3 }]);
  });

  // Wavix's count was kept in memory beside the status line: after a restart the line, /sms inbox and the audit said
  // smsops' own "3 segments, GSM-7" of a reply whose estimate was 1, as if nothing had been counted otherwise.
  it('keeps Wavix’s count across a restart between the send and the delivery report, in the line, /sms inbox and the audit', async () => {
    await t.stop();
    const dir = mkdtempSync(join(tmpdir(), 'smsops-wavix-count-'));
    // After afterEach's stop of the last smsops, which still has the database open.
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const env = { SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0', DATABASE_PATH: join(dir, 'smsops.db') };
    const start = async () => {
      t = await startSmsopsUnderTest(env);
      t.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
      t.fakeSlack.enforceLimits();
    };
    await start();
    const threadTs = await relayedThread();
    await sentWithWavixCount(threadTs, 'wx-restart-3', 3);
    await t.stop();
    await start();

    const delivered = await deliveredCounting('wx-restart-3', 3);
    expect(delivered?.args.text).toBe(
      'Delivered · Wavix id `wx-restart-3` · 3 segments by Wavix’s count (smsops counted 1 segment, GSM-7)',
    );
    const inbox = readable((await runCommand(t, 'inbox', { userId: ADMIN })).body);
    expect(inbox).toContain('3 segments by Wavix’s count (smsops counted 1 segment, GSM-7)');
    const audit = readable((await runCommand(t, 'audit', { userId: ADMIN })).body);
    expect(audit).toContain('3 segments by Wavix’s count');
  });

  it('keeps smsops’ count when Wavix’s answer has no believable segments (1e21)', async () => {
    const threadTs = await relayedThread();
    const sent = await sentWithWavixCount(threadTs, 'wx-no-count', 1e21);
    expect(sent?.args.text).toBe('Sent · Wavix id `wx-no-count` · 1 segment, GSM-7');
    expect(rows('SELECT segments FROM conversation_replies')).toEqual([{ segments: 1 }]);
  });

  it('sends nothing for a message outside a relay thread, a bot’s message, an edit, or a message that is not in a thread', async () => {
    const threadTs = await relayedThread();
    await reply('1699999999.000100', 'in a thread smsops did not start');
    await sendEvent({ type: 'message', channel: INBOX, user: REPLIER, text: 'top level', ts: nextTs() });
    await reply(threadTs, 'from another app', { bot_id: 'B0OTHER01', subtype: 'bot_message' });
    await reply(threadTs, 'from a bot user', { bot_id: 'B0OTHER01' });
    await reply(threadTs, 'my own echo', { user: 'UBOT', bot_id: 'BBOT' });
    await sendEvent({
      type: 'message',
      subtype: 'message_changed',
      channel: INBOX,
      ts: nextTs(),
      message: { type: 'message', user: REPLIER, text: 'edited text', ts: nextTs(), thread_ts: threadTs },
      previous_message: { type: 'message', user: REPLIER, text: 'old', ts: nextTs(), thread_ts: threadTs },
    });
    await settled(threadTs);
    expect(sendsToWavix()).toEqual([]);
    expect(rows('SELECT * FROM conversation_replies')).toEqual([]);
    expect(statusLines(threadTs)).toEqual([]);
  });

  it('tells the writer who edits a reply already sent that the edit is not sent; an edit of any other message gets nothing', async () => {
    const threadTs = await relayedThread();
    const replyTs = nextTs();
    await sendEvent({ type: 'message', channel: INBOX, user: REPLIER, text: 'See you at 5', ts: replyTs, thread_ts: threadTs });
    await waitUntil(
      () => sendsToWavix().length === 1,
      5000,
      () => 'the reply sent',
    );
    const edited = (ts: string, text: string) => editEvent(threadTs, ts, 'See you at 5', text);
    await edited(nextTs(), 'a message smsops never took');
    await edited(replyTs, 'See you at 6');
    const told = await waitUntil(
      () => {
        const calls = t.fakeSlack.callsTo('chat.postEphemeral').filter((c) => c.args.user === REPLIER);
        return calls.length > 0 && calls;
      },
      5000,
      () => 'the writer told',
    );
    expect(told).toHaveLength(1);
    expect(told[0]?.args).toMatchObject({ channel: INBOX, thread_ts: threadTs });
    expect(String(told[0]?.args.text)).toContain('Your edit was not sent');
    expect(sendsToWavix()).toHaveLength(1);
  });

  // Each edit told the writer again: someone (or a script) editing a sent reply 40 times got 40 notices, every one a
  // call of the client that opens other people's forms, which a 429 then held for its Retry-After (a probe).
  it('tells the writer once per reply, however often it is edited', async () => {
    const threadTs = await relayedThread();
    const replyTs = nextTs();
    await sendEvent({ type: 'message', channel: INBOX, user: REPLIER, text: 'See you at 5', ts: replyTs, thread_ts: threadTs });
    await waitUntil(
      () => sendsToWavix().length === 1,
      5000,
      () => 'the reply sent',
    );
    for (let i = 0; i < 40; i++) await editEvent(threadTs, replyTs, `See you at ${5 + i}`, `See you at ${6 + i}`);
    await waitUntil(
      () => t.fakeSlack.callsTo('chat.postEphemeral').length > 0,
      5000,
      () => 'the writer told',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(t.fakeSlack.callsTo('chat.postEphemeral').filter((c) => c.args.user === REPLIER)).toHaveLength(1);
  });

  // Told once an hour whatever became of the reply: a writer who edited it while it was going out read "your reply goes
  // out as first written", and when Wavix then refused it, their next edit was answered by nothing (a probe).
  it('tells the writer again when what became of the reply changed since they were told', async () => {
    const threadTs = await relayedThread();
    t.emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 400, latencyMs: 1500 });
    const replyTs = nextTs();
    await sendEvent({ type: 'message', channel: INBOX, user: REPLIER, text: 'See you at 5', ts: replyTs, thread_ts: threadTs });
    await waitUntil(
      () => statusLines(threadTs).some((c) => String(c.args.text).startsWith('Sending')),
      5000,
      () => 'the reply going out',
    );
    const edit = (i: number) =>
      sendEvent({
        type: 'message',
        subtype: 'message_changed',
        channel: INBOX,
        ts: nextTs(),
        message: {
          type: 'message',
          user: REPLIER,
          text: `See you at ${6 + i}`,
          ts: replyTs,
          thread_ts: threadTs,
          edited: { user: REPLIER, ts: nextTs() },
        },
        previous_message: { type: 'message', user: REPLIER, text: `See you at ${5 + i}`, ts: replyTs, thread_ts: threadTs },
      });
    await edit(0);
    await t.fakeSlack.waitFor('chat.postEphemeral', 1);
    await waitUntil(
      () => t.fakeSlack.callsTo('chat.update').some((c) => String(c.args.text).startsWith('Not sent')),
      5000,
      () => 'Wavix’s refusal in the status line',
    );
    await edit(1);
    await edit(2);
    const told = await t.fakeSlack.waitFor('chat.postEphemeral', 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(t.fakeSlack.callsTo('chat.postEphemeral').map((c) => String(c.args.text).slice(0, 48))).toEqual([
      'Your edit was not sent: your reply goes out as f',
      'Your edit was not sent, and neither was your rep',
    ]);
    expect(told).toHaveLength(2);
  });

  // A reply refused before Wavix (the customer texted STOP) and then edited was answered "the customer has your reply
  // as it was first sent": its writer read that the first version went out, while the customer got nothing (a probe).
  it('tells the writer who edits a reply that was never sent that neither the reply nor the edit went out', async () => {
    const threadTs = await relayedThread();
    createOptOutsRepository(t.db).record({
      customerNumber: CUSTOMER,
      sender: OUR_NUMBER,
      source: 'inbound_keyword',
      keyword: 'STOP',
    });
    const replyTs = nextTs();
    await sendEvent({ type: 'message', channel: INBOX, user: REPLIER, text: 'See you at 5', ts: replyTs, thread_ts: threadTs });
    await waitUntil(
      () => statusLines(threadTs).length === 1,
      5000,
      () => 'the refusal in the thread',
    );
    await editEvent(threadTs, replyTs, 'See you at 5', 'See you at 6');
    const [told] = await t.fakeSlack.waitFor('chat.postEphemeral', 1);
    expect(String(told?.args.text)).toContain('Your edit was not sent, and neither was your reply');
    expect(String(told?.args.text)).not.toContain('the customer has your reply');
    expect(sendsToWavix()).toEqual([]);
  });

  // Slack delivered the edit before the reply itself (a retried event): the reply went out as first written, and its
  // writer, who fixed a typo, was never told the customer got the version with it (a probe).
  it('tells the writer whose edit Slack delivered before the reply itself that the reply went out as first written', async () => {
    const threadTs = await relayedThread();
    const replyTs = nextTs();
    await editEvent(threadTs, replyTs, 'See you at 5', 'See you at 6');
    await reply(threadTs, 'See you at 5', { ts: replyTs });
    const told = () => t.fakeSlack.callsTo('chat.postEphemeral').filter((c) => c.args.user === REPLIER);
    await waitUntil(
      () => told().length === 1,
      5000,
      () => 'the writer told of the edit',
    );
    await settled(threadTs);
    expect(outboundSms().map((sms) => sms.message_body.text)).toEqual(['See you at 5']);
    expect(told().map((c) => [c.args.thread_ts, c.args.text])).toEqual([
      [
        threadTs,
        'Your edit was not sent: the customer has your reply as it was first sent. To correct it, post a new reply in this thread.',
      ],
    ]);
  });

  it('does not send a reply its writer deleted while it waited its turn, and tells whoever deletes a sent one that the SMS stays', async () => {
    const threadTs = await relayedThread();
    // The thread's first reply takes Wavix 3 s: the second waits its turn behind it.
    t.emulator.injectFault({ method: 'POST', path: '/v3/messages', latencyMs: 3000 });
    const statusOf = (ts: string) => rows('SELECT status FROM conversation_replies WHERE slack_message_ts = ?', ts)[0]?.status;
    const firstTs = nextTs();
    await reply(threadTs, 'Your order ships today', { ts: firstTs });
    await waitUntil(
      () => statusOf(firstTs) === 'sending',
      5000,
      () => 'the first reply being sent',
    );
    const secondTs = nextTs();
    await reply(threadTs, 'Sorry, wrong customer', { ts: secondTs });
    await waitUntil(
      () => statusOf(secondTs) === 'queued',
      5000,
      () => 'the second reply waiting its turn',
    );
    await deleteEvent(threadTs, secondTs, 'Sorry, wrong customer');
    const told = () => t.fakeSlack.callsTo('chat.postEphemeral').filter((c) => c.args.user === REPLIER);
    await waitUntil(
      () => told().length === 1,
      5000,
      () => 'the writer told of the deletion',
    );
    expect(told()[0]?.args).toMatchObject({
      channel: INBOX,
      thread_ts: threadTs,
      text: 'Your reply was deleted before it went out: it was not sent to the customer.',
    });
    await waitUntil(
      () => rows("SELECT status FROM conversation_replies WHERE status = 'accepted'").length === 1,
      5000,
      () => 'the first reply sent',
    );
    await settled(threadTs);
    expect(outboundSms().map((sms) => sms.message_body.text)).toEqual(['Your order ships today']);
    expect(rows('SELECT status, status_reason FROM conversation_replies WHERE slack_message_ts = ?', secondTs)).toEqual([
      { status: 'blocked', status_reason: 'its writer deleted it in Slack before it went out' },
    ]);

    // The first went out: deleting it in Slack takes nothing back, and its writer is told so, once.
    await deleteEvent(threadTs, firstTs, 'Your order ships today');
    await deleteEvent(threadTs, firstTs, 'Your order ships today');
    await waitUntil(
      () => told().length === 2,
      5000,
      () => 'the writer told the SMS stays',
    );
    await settled(threadTs);
    expect(told().map((c) => c.args.text)).toEqual([
      'Your reply was deleted before it went out: it was not sent to the customer.',
      'Your reply was deleted, but the customer already has it as an SMS: deleting it in Slack does not take it back. To correct it, post a new reply in this thread.',
    ]);
    expect(outboundSms()).toHaveLength(1);
  });

  // Deleted while Slack was asked whether its writer is a member, a reply with a custom emoji was withdrawn, and its
  // writer then read "Your reply goes out with :partyparrot: as text" (a probe).
  it('tells the writer of a reply deleted during its checks only that it was not sent', async () => {
    const threadTs = await relayedThread();
    const release = t.fakeSlack.hang('conversations.members');
    const replyTs = nextTs();
    await reply(threadTs, 'Done :partyparrot:', {
      ts: replyTs,
      blocks: DONE_PARTYPARROT_BLOCKS,
    });
    await waitUntil(
      () => rows('SELECT 1 FROM conversation_replies').length === 1,
      5000,
      () => 'the reply taken',
    );
    await deleteEvent(threadTs, replyTs, 'Done :partyparrot:');
    const told = () => t.fakeSlack.callsTo('chat.postEphemeral').filter((c) => c.args.user === REPLIER);
    await waitUntil(
      () => told().length === 1,
      5000,
      () => 'the writer told of the deletion',
    );
    release();
    await settled(threadTs);
    expect(told().map((c) => c.args.text)).toEqual([
      'Your reply was deleted before it went out: it was not sent to the customer.',
    ]);
    expect(sendsToWavix()).toEqual([]);
    expect(statusLines(threadTs)).toEqual([]);
  });

  it('does not send a reply whose deletion Slack delivered before the reply itself (a retried event, smsops down a minute)', async () => {
    const threadTs = await relayedThread();
    // smsops was down when the reply was posted and when it was deleted: Slack's retries of the deletion came through
    // first, the message's own retry minutes later.
    const replyTs = nextTs();
    await deleteEvent(threadTs, replyTs, 'Sorry, wrong customer');
    const answer = await reply(threadTs, 'Sorry, wrong customer', { ts: replyTs });
    expect(answer.status).toBe(200);
    const told = () => t.fakeSlack.callsTo('chat.postEphemeral').filter((c) => c.args.user === REPLIER);
    await waitUntil(
      () => told().length === 1,
      5000,
      () => 'the writer told of the deletion',
    );
    await settled(threadTs);
    expect(told()[0]?.args).toMatchObject({
      channel: INBOX,
      thread_ts: threadTs,
      text: 'Your reply was deleted before it went out: it was not sent to the customer.',
    });
    expect(sendsToWavix()).toEqual([]);
    expect(rows('SELECT status, status_reason FROM conversation_replies WHERE slack_message_ts = ?', replyTs)).toEqual([
      { status: 'blocked', status_reason: 'its writer deleted it in Slack before it went out' },
    ]);
  });

  it('tells the person who replies under a grouped post (a storm of several conversations) where to answer; sends nothing', async () => {
    const threadTs = await relayedThread();
    // Slack hangs while four customers text: the relay then coalesces what waited into one post.
    const release = t.fakeSlack.hang('chat.postMessage');
    for (let i = 1; i <= 4; i++) expect((await postInbound(t, { from: `44740012500${i}`, text: `storm ${i}` })).status).toBe(200);
    await waitUntil(
      () => rows('SELECT 1 FROM inbound_messages').length >= 5,
      5000,
      () => 'the storm stored',
    );
    release();
    const grouped = () =>
      t.fakeSlack.callsTo('chat.postMessage').find((c) => c.result?.ts && /^\d+ inbound messages$/.test(String(c.args.text)));
    await waitUntil(
      () => grouped() !== undefined,
      10_000,
      () => 'the grouped post',
    );
    const groupedTs = grouped()?.result?.ts as string;
    // The post says itself that its thread is no conversation's.
    expect(readable(grouped()?.args.blocks)).toContain("A reply in this post's thread is not sent as an SMS");
    await waitUntil(
      () => rows("SELECT 1 FROM slack_posts WHERE ts = ? AND layout = 'batch'", groupedTs).length === 1,
      5000,
      () => 'the grouped post recorded',
    );

    await reply(groupedTs, 'Answering storm 2 here');
    await waitUntil(
      () => t.fakeSlack.callsTo('chat.postEphemeral').some((c) => c.args.thread_ts === groupedTs),
      5000,
      () => 'the answer to the reply under the grouped post',
    );
    const told = t.fakeSlack.callsTo('chat.postEphemeral').find((c) => c.args.thread_ts === groupedTs);
    expect(told?.args).toMatchObject({ channel: INBOX, user: REPLIER });
    expect(readable(told?.args)).toContain('Not sent: this post groups SMS that arrived at once');
    expect(readable(told?.args)).toContain("To answer, press *Answer* beside the customer's SMS");
    await settled(threadTs);
    expect(sendsToWavix()).toEqual([]);
    expect(rows('SELECT * FROM conversation_replies')).toEqual([]);
    // Nothing said in the thread for everyone to see.
    expect(threadPosts(groupedTs)).toEqual([]);
  });

  it('tells the person who answers under an SMS thread retention deleted; silent under old alerts and reports', async () => {
    const daysAgo = (days: number) => `${Math.floor(Date.now() / 1000) - days * 86_400}.000100`;
    const expired = await relayedThread();
    // RETENTION_DAYS is 90: the thread's conversation is deleted by the retention job 91 days on.
    await t.emulator.clock.advance(91 * 86_400_000);
    expect(readable((await runCommand(t, 'jobs run retention')).body)).toContain('retention: ok');
    expect(rows('SELECT * FROM slack_threads WHERE thread_ts = ?', expired)).toEqual([]);

    // smsops' own posts of 100 days ago that were never an SMS thread (an alert, a report), someone else's old
    // thread, and a recent post of smsops' that is no conversation's: nothing said.
    await reply(daysAgo(100), 'this fired again today, looking', { parent_user_id: 'UBOT' });
    await reply(daysAgo(120), 'same numbers as last quarter', { parent_user_id: 'UBOT' });
    await reply(daysAgo(100), 'a colleague’s thread', { parent_user_id: ADMIN });
    await reply(daysAgo(1), 'under a report', { parent_user_id: 'UBOT' });
    await settled(await relayedThread());
    expect(t.fakeSlack.callsTo('chat.postEphemeral').filter((c) => c.args.user === REPLIER)).toEqual([]);

    await reply(expired, 'following up on your parcel', { parent_user_id: 'UBOT' });
    await waitUntil(
      () => t.fakeSlack.callsTo('chat.postEphemeral').some((c) => c.args.user === REPLIER),
      5000,
      () => 'the notice under the deleted conversation',
    );
    const told = t.fakeSlack.callsTo('chat.postEphemeral').filter((c) => c.args.user === REPLIER);
    expect(told).toHaveLength(1);
    expect(told[0]?.args).toMatchObject({ channel: INBOX, thread_ts: expired, user: REPLIER });
    expect(told[0]?.args.text).toBe(
      'Your reply was not sent: this conversation is older than 90 days (RETENTION_DAYS), so smsops no longer keeps it and does not know whom to text. Answer the customer in the thread of their next SMS.',
    );
    expect(sendsToWavix()).toEqual([]);
  });

  it('says in the thread that files cannot be sent by SMS, and sends nothing', async () => {
    const threadTs = await relayedThread();
    await reply(threadTs, 'here is the invoice', {
      subtype: 'file_share',
      files: [{ id: 'F0001', name: 'invoice.pdf', mimetype: 'application/pdf' }],
    });
    await waitUntil(
      () => threadPosts(threadTs).some((c) => readable(c.args).includes('Files cannot be sent by SMS')),
      5000,
      () => 'the notice about files',
    );
    await settled(threadTs);
    expect(sendsToWavix()).toEqual([]);
  });

  it('says in the thread that a link into Slack (a file, a message) cannot be opened by the customer, and sends nothing', async () => {
    const threadTs = await relayedThread();
    // A colleague pastes the photo's Slack link for the customer; Slack sends it as a link token.
    await reply(threadTs, 'Here is your receipt <https://acme.slack.com/files/U0REPLY001/F0ABCDEF/receipt.png>');
    await reply(threadTs, 'as discussed <https://files.slack.com/files-pri/T0ACME-F0ABCDEF/receipt.png|receipt>');
    await reply(threadTs, 'see <https://acme.slack.com/archives/C0INBOX001/p1800000000000100>');
    await waitUntil(
      () =>
        threadPosts(threadTs).filter((c) => readable(c.args).includes('links to a file, message or canvas in Slack')).length ===
        3,
      5000,
      () => 'the three notices about Slack links',
    );
    await settled(threadTs);
    expect(sendsToWavix()).toEqual([]);
    expect(
      rows("SELECT params FROM audit_log WHERE action = 'conversation.reply'").map((a) => JSON.parse(a.params).reason),
    ).toEqual(['slack_link', 'slack_link', 'slack_link', 'not_a_member']);
    // A public file link (slack-files.com) or any other site is the customer's to open: sent.
    await reply(threadTs, 'Your receipt: <https://slack-files.com/T0ACME-F0ABCDEF-1a2b3c>');
    await waitUntil(
      () => sendsToWavix().length === 1 || undefined,
      5000,
      () => 'the public link sent',
    );
  });

  // A message shared into the thread ("Share message", or forwarded) with a word above it texted the customer only that
  // word ("See below:"), without what was shared, and said nothing; shared alone, it was called empty (a probe).
  it('says in the thread that a shared message cannot be sent by SMS, and sends nothing', async () => {
    const threadTs = await relayedThread();
    const shared = {
      is_share: true,
      author_id: ADMIN,
      channel_id: 'C0OTHER01',
      text: 'Your refund of $40 was approved today',
      fallback: '[November 27th, 2026 9:01 AM] admin: Your refund of $40 was approved today',
    };
    await reply(threadTs, 'See below:', { attachments: [shared] });
    await reply(threadTs, '', { attachments: [shared] });
    await waitUntil(
      () => threadPosts(threadTs).filter((c) => readable(c.args).includes('A shared message cannot be sent by SMS')).length === 2,
      5000,
      () => 'the notices about the shared message',
    );
    await settled(threadTs);
    expect(sendsToWavix()).toEqual([]);
    expect(threadPosts(threadTs).some((c) => readable(c.args).includes('empty'))).toBe(false);
  });

  it('refuses, with the reason, a reply to a customer who texted STOP (recorded by smsops): nothing reaches Wavix', async () => {
    const threadTs = await relayedThread();
    // What part B's ingest records for an inbound STOP.
    createOptOutsRepository(t.db).record({
      customerNumber: CUSTOMER,
      sender: OUR_NUMBER,
      source: 'inbound_keyword',
      keyword: 'STOP',
    });
    await reply(threadTs, 'Are you still there?');
    await waitUntil(
      () => statusLines(threadTs).length === 1,
      5000,
      () => 'the refusal in the thread',
    );
    const [line] = statusLines(threadTs);
    expect(line?.args.text).toMatch(/^Not sent: the customer texted STOP\. Only they can lift it, by texting START/);
    expect(sendsToWavix()).toEqual([]);
    await waitUntil(
      () => rows("SELECT * FROM audit_log WHERE action = 'conversation.reply' AND outcome = 'refused'").length === 1,
      5000,
      () => 'the refusal audited',
    );
    expect(rows('SELECT status FROM conversation_replies')).toEqual([{ status: 'blocked' }]);
  });

  it('does not text a customer whose STOP arrives while smsops checks the sending number with Wavix (a slow Wavix)', {
    timeout: 20_000,
  }, async () => {
    const threadTs = await relayedThread();
    // Wavix takes 4 s to answer the number check smsops makes before every reply.
    t.emulator.injectFault({ method: 'GET', path: '/v1/numbers', latencyMs: 4000 });
    await reply(threadTs, 'Your order ships today');
    // The reply is checked (membership, opt-outs) and waits for Wavix's answer about the number.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(sendsToWavix()).toEqual([]);
    // Meanwhile the customer texts STOP to the number, through smsops' inbound webhook.
    expect((await postInbound(t, { from: CUSTOMER, to: OUR_NUMBER, text: 'STOP' })).status).toBe(200);
    await waitUntil(
      () =>
        statusLines(threadTs).some((c) => String(c.args.text).startsWith('Not sent')) ||
        t.fakeSlack.callsTo('chat.update').some((c) => /^(Not sent|Sent)/.test(String(c.args.text))),
      8000,
      () => 'the reply settled',
    );
    // It went through the number check, which the STOP came during.
    expect(t.emulator.requests().some((r) => r.method === 'GET' && r.path === '/v1/numbers')).toBe(true);
    expect(rows('SELECT keyword FROM opt_outs')).toEqual([{ keyword: 'STOP' }]);
    expect(sendsToWavix()).toEqual([]);
    expect(rows('SELECT status FROM conversation_replies')).toEqual([{ status: 'blocked' }]);
    // The status line (posted, or "Sending…" edited) says why it did not go.
    const saysStop = (c: { args: Record<string, unknown> }) => /^Not sent: the customer texted STOP\./.test(String(c.args.text));
    await waitUntil(
      () => t.fakeSlack.callsTo('chat.update').some(saysStop) || statusLines(threadTs).some(saysStop),
      5000,
      () => 'the status line saying the customer texted STOP',
    );
  });

  it('does not text a customer whose STOP arrives while the send waits out Wavix’s 429 (Retry-After 3 s)', async () => {
    const threadTs = await relayedThread();
    t.emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 429, retryAfterSeconds: 3 });
    await reply(threadTs, 'Your order ships today');
    await waitUntil(
      () => sendsToWavix().length === 1,
      5000,
      () => 'the first try',
    );
    expect((await postInbound(t, { from: CUSTOMER, to: OUR_NUMBER, text: 'STOP' })).status).toBe(200);
    await waitUntil(
      () => t.fakeSlack.callsTo('chat.update').some((c) => /^(Not sent|Sent)/.test(String(c.args.text))),
      8000,
      () => 'the reply settled',
    );
    expect(sendsToWavix().map((r) => r.status)).toEqual([429]);
    expect(outboundSms()).toEqual([]);
    expect(rows('SELECT status FROM conversation_replies')).toEqual([{ status: 'blocked' }]);
    const saysStop = (c: { args: Record<string, unknown> }) => /^Not sent: the customer texted STOP\./.test(String(c.args.text));
    expect(t.fakeSlack.callsTo('chat.update').some(saysStop) || statusLines(threadTs).some(saysStop)).toBe(true);
  }, 20_000);

  // A reply deleted while its send waited out Wavix's 429 (or a slow Slack held its status line) was told "already being
  // sent" and went out seconds later: the customer got "Sorry, wrong customer" that its writer took back before Wavix
  // had it (a probe).
  it('does not text a reply its writer deleted while the send waited out Wavix’s 429 (Retry-After 3 s); said in the thread', async () => {
    const threadTs = await relayedThread();
    t.emulator.injectFault({ method: 'POST', path: '/v3/messages', status: 429, retryAfterSeconds: 3 });
    const replyTs = nextTs();
    await reply(threadTs, 'Sorry, wrong customer', { ts: replyTs });
    await waitUntil(
      () => sendsToWavix().length === 1,
      5000,
      () => 'the first try',
    );
    await deleteEvent(threadTs, replyTs, 'Sorry, wrong customer');
    await waitUntil(
      () => t.fakeSlack.callsTo('chat.update').some((c) => /^(Not sent|Sent)/.test(String(c.args.text))),
      8000,
      () => 'the reply settled',
    );
    await settled(threadTs);
    expect(sendsToWavix().map((r) => r.status)).toEqual([429]);
    expect(outboundSms()).toEqual([]);
    expect(rows('SELECT status, status_reason FROM conversation_replies')).toEqual([
      { status: 'blocked', status_reason: 'its writer deleted it in Slack before it went out' },
    ]);
    expect(t.fakeSlack.callsTo('chat.update').map((c) => String(c.args.text).split(' · ')[0])).toContain(
      'Not sent: its writer deleted it in Slack before it went out',
    );
    expect(
      t.fakeSlack
        .callsTo('chat.postEphemeral')
        .filter((c) => c.args.user === REPLIER)
        .map((c) => c.args.text),
    ).toEqual(['Your reply was deleted before it went out: it was not sent to the customer.']);
  }, 20_000);

  it('tells the writer who deletes a reply during its send’s call to Wavix, once the send is over, that it went out', async () => {
    const threadTs = await relayedThread();
    t.emulator.injectFault({ method: 'POST', path: '/v3/messages', latencyMs: 3000 });
    const replyTs = nextTs();
    await reply(threadTs, 'Your order ships today', { ts: replyTs });
    // Its status line up, Wavix is being called (and takes 3 s to answer).
    await waitUntil(
      () => statusLines(threadTs).length === 1,
      5000,
      () => 'the status line',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(rows('SELECT status FROM conversation_replies')).toEqual([{ status: 'sending' }]);
    await deleteEvent(threadTs, replyTs, 'Your order ships today');
    const told = () => t.fakeSlack.callsTo('chat.postEphemeral').filter((c) => c.args.user === REPLIER);
    await waitUntil(
      () => told().length === 1,
      8000,
      () => 'the writer told',
    );
    await settled(threadTs);
    expect(outboundSms()).toHaveLength(1);
    // Told once Wavix had it, not while the send might still have stopped.
    expect(told().map((c) => c.args.text)).toEqual([
      'Your reply was deleted, but the customer already has it as an SMS: deleting it in Slack does not take it back. To correct it, post a new reply in this thread.',
    ]);
  }, 20_000);

  it('shows an SMS whose sender was withheld as from no sender given, and refuses a reply to it with the reason: nothing reaches Wavix', async () => {
    const threadTs = await relayedThread('');
    const post = t.fakeSlack.callsTo('chat.postMessage').find((c) => c.result?.ts === threadTs);
    expect(readable(post?.args)).toContain('*SMS* from *no sender given* to +1 415 555 0100');
    await reply(threadTs, 'Who is this?');
    await waitUntil(
      () => statusLines(threadTs).length === 1,
      5000,
      () => 'the refusal in the thread',
    );
    expect(statusLines(threadTs)[0]?.args.text).toMatch(
      /^Not sent: this SMS came with no sender \(its network withheld it\), so there is no number to answer\./,
    );
    expect(sendsToWavix()).toEqual([]);
  });

  it('refuses with the reason a reply to a name with an arrow in it (the thread is found, not ignored)', async () => {
    const threadTs = await relayedThread('A→B');
    await reply(threadTs, 'Hello?');
    await waitUntil(
      () => statusLines(threadTs).length === 1,
      5000,
      () => 'the refusal in the thread',
    );
    expect(statusLines(threadTs)[0]?.args.text).toMatch(/^Not sent: this SMS came from a name/);
    expect(sendsToWavix()).toEqual([]);
  });

  it('reads a sender in national form in the country of the number it texted, never as another country’s digits', async () => {
    // (323) 555-0100 is Los Angeles; 3235550100, what Wavix reads as international digits, is +32 3 555 01 00.
    const threadTs = await relayedThread('(323) 555-0100');
    const post = t.fakeSlack.callsTo('chat.postMessage').find((c) => c.result?.ts === threadTs);
    expect(readable(post?.args)).toContain('*SMS* from *+1 323 555 0100* to +1 415 555 0100');
    await reply(threadTs, 'Your order ships today');
    await waitUntil(
      () => outboundSms().length === 1,
      5000,
      () => 'the reply at Wavix',
    );
    expect(outboundSms()[0]).toMatchObject({ to: '+13235550100', from: `+${OUR_NUMBER}` });
    // 479-555-1234 (Arkansas, in the North American grouping) as digits is a Norwegian mobile, +47 95 55 12 34.
    const arkansas = await relayedThread('479-555-1234');
    await reply(arkansas, 'Your order ships today');
    await waitUntil(
      () => outboundSms().length === 2,
      5000,
      () => 'the second reply at Wavix',
    );
    expect(outboundSms()[1]).toMatchObject({ to: '+14795551234' });

    // 07400 123456 is no US number: kept as sent, and a reply to it refused rather than sent to +0740….
    const uk = await relayedThread('07400 123456');
    const ukPost = t.fakeSlack.callsTo('chat.postMessage').find((c) => c.result?.ts === uk);
    expect(readable(ukPost?.args)).toContain('*SMS* from *07400 123456* to +1 415 555 0100');
    await reply(uk, 'Your order ships today');
    await waitUntil(
      () => statusLines(uk).length === 1,
      5000,
      () => 'the refusal in the thread',
    );
    expect(statusLines(uk)[0]?.args.text).toMatch(/^Not sent: this SMS came from a number in national form/);
    expect(sendsToWavix()).toHaveLength(2);
  });

  it('still refuses a reply to a national-form sender who texted STOP when it was kept under its bare digits', async () => {
    // Before national forms were read in their country, a STOP texted as (323) 555-0100 was kept under 3235550100.
    createOptOutsRepository(t.db).record({
      customerNumber: '3235550100',
      sender: OUR_NUMBER,
      source: 'inbound_keyword',
      keyword: 'STOP',
    });
    const threadTs = await relayedThread('(323) 555-0100');
    await reply(threadTs, 'We miss you');
    await waitUntil(
      () => statusLines(threadTs).some((c) => String(c.args.text).startsWith('Not sent')),
      5000,
      () => 'the refusal in the thread',
    );
    expect(statusLines(threadTs).at(-1)?.args.text).toMatch(/^Not sent: the customer texted STOP/);
    expect(sendsToWavix()).toEqual([]);
  });

  it('lets a national-form sender who texted STOP under its bare digits opt back in with START', async () => {
    // Kept under 3235550100 before national forms were read in their country; their START now comes as 13235550100.
    createOptOutsRepository(t.db).record({
      customerNumber: '3235550100',
      sender: OUR_NUMBER,
      source: 'inbound_keyword',
      keyword: 'STOP',
      at: Date.now() - 3_600_000,
    });
    const start = await fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        message_id: `in-start-${Date.now()}`,
        from: '(323) 555-0100',
        to: OUR_NUMBER,
        message_body: { text: 'START', media: null },
        received_at: new Date().toISOString(),
      }),
    });
    expect(start.status).toBe(200);
    await waitUntil(
      () => rows('SELECT * FROM opt_outs WHERE customer_number = ? AND lifted_at IS NULL', '3235550100').length === 0,
      5000,
      () => 'the old opt-out lifted by the START',
    );
    const threadTs = await relayedThread('(323) 555-0100');
    await reply(threadTs, 'Welcome back');
    await waitUntil(
      () => sendsToWavix().length === 1,
      5000,
      () => 'the reply sent to Wavix',
    );
  });

  it('says the customer opted out when Wavix refuses the send for it (STOP received by Wavix), and sends nothing', async () => {
    const threadTs = await relayedThread();
    // The customer texts STOP; the carrier (here the emulator) puts them on Wavix's opt-out list.
    const stop = await fetch(`${t.emulator.url}/_emulator/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.emulator.apiKey}` },
      body: JSON.stringify({ from: CUSTOMER, to: OUR_NUMBER, text: 'STOP' }),
    });
    expect(stop.status).toBe(200);
    expect(t.emulator.state().optOuts).toHaveLength(1);
    await reply(threadTs, 'Sorry to see you go');
    await waitUntil(
      () => t.fakeSlack.callsTo('chat.update').some((c) => String(c.args.text).startsWith('Not sent')),
      5000,
      () => 'the status line saying why it was not sent',
    );
    const update = t.fakeSlack.callsTo('chat.update').find((c) => String(c.args.text).startsWith('Not sent'));
    expect(update?.args.text).toContain('The customer opted out: Wavix refuses to text them from this number.');
    expect(outboundSms()).toEqual([]);
    expect(rows("SELECT outcome FROM audit_log WHERE action = 'conversation.reply'")).toEqual([{ outcome: 'failed' }]);
    // Recorded, so the next reply is refused before Wavix is called.
    const before = sendsToWavix().length;
    await reply(threadTs, 'One more try');
    await waitUntil(
      () => statusLines(threadTs).length === 2,
      5000,
      () => 'the second refusal',
    );
    expect(sendsToWavix()).toHaveLength(before);
  });

  it('ignores a message event of a shape Slack never sends (text a list) with one warning, no error line, and sends nothing', async () => {
    const threadTs = await relayedThread();
    for (const text of [[], { a: 1 }]) expect((await reply(threadTs, text as unknown as string)).status).toBe(200);
    await settled(threadTs);
    const lines = t.logs.map((line) => JSON.parse(line) as { level: string; msg: string; fields?: string });
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(lines.filter((l) => l.msg === 'a message event of a shape Slack never sends was ignored')).toEqual([
      expect.objectContaining({ level: 'warn', fields: 'text' }),
    ]);
    expect(sendsToWavix()).toEqual([]);
  });

  it('refuses a person who is not a member of the channel, only to them, and sends nothing', async () => {
    const threadTs = await relayedThread();
    await reply(threadTs, 'let me answer', { user: OUTSIDER });
    const [ephemeral] = await t.fakeSlack.waitFor('chat.postEphemeral');
    expect(ephemeral?.args).toMatchObject({ channel: INBOX, user: OUTSIDER, thread_ts: threadTs });
    expect(ephemeral?.args.text).toContain('only members of this channel');
    expect(sendsToWavix()).toEqual([]);
    expect(statusLines(threadTs)).toEqual([]);
  });
});

describe('who the SMS names, and who may still send it', () => {
  it('names a mentioned channel instead of sending its Slack id', async () => {
    t.fakeSlack.seedChannels([{ id: INBOX, name: 'sms-inbox' }]);
    const threadTs = await relayedThread();
    await reply(threadTs, 'see <#C0INBOX001> and <#C0ELSEWHR1> on <!date^1392734382^{date_short}|Feb 18, 2014>');
    await waitUntil(
      () => outboundSms().length === 1,
      5000,
      () => 'one SMS at Wavix',
    );
    expect(outboundSms()[0]?.message_body.text).toBe('see #sms-inbox and #channel on Feb 18, 2014');
  });

  it('keeps a message that mentions a colleague, a group or @here in Slack: written to colleagues, it is not texted to the customer', async () => {
    t.fakeSlack.seedUser(ADMIN, { displayName: 'Bob', admin: true });
    const threadTs = await relayedThread();
    const told = () => t.fakeSlack.callsTo('chat.postEphemeral').filter((c) => c.args.user === REPLIER);
    const internal = [
      // What Slack sends for "@Bob can you take this one? they sound angry", in `text` and in the blocks.
      [
        '<@U0ADMIN001> can you take this one? they sound angry',
        [
          {
            type: 'rich_text',
            elements: [
              {
                type: 'rich_text_section',
                elements: [
                  { type: 'user', user_id: ADMIN },
                  { type: 'text', text: ' can you take this one? they sound angry' },
                ],
              },
            ],
          },
        ],
      ],
      ['<!here> who knows this customer?', undefined],
      ['<!subteam^S0ONCALL|@oncall> please look', undefined],
      ['ask <@U0REPLY001|maria>', undefined],
      // A screenshot for a colleague: no "Files cannot be sent by SMS" before the whole thread.
      ['<@U0ADMIN001> see the error', undefined, [{ id: 'F0001', name: 'error.png', mimetype: 'image/png' }]],
    ] as const;
    for (const [index, [text, blocks, files]] of internal.entries()) {
      await reply(threadTs, text, { ...(blocks ? { blocks } : {}), ...(files ? { subtype: 'file_share', files } : {}) });
      await waitUntil(
        () => told().length === index + 1,
        5000,
        () => `the writer told of message ${index + 1}`,
      );
    }
    expect(new Set(told().map((c) => c.args.text))).toEqual(
      new Set([
        'Not sent to the customer: your message mentions someone in Slack (a person, a group, @here or @channel), so it is taken as written to colleagues and stays in this thread. To text the customer, post your reply without the mention.',
      ]),
    );
    expect(told()[0]?.args).toMatchObject({ channel: INBOX, thread_ts: threadTs });
    expect(threadPosts(threadTs).filter((c) => readable(c.args).includes('Files cannot be sent'))).toEqual([]);
    // A typed "<@U0ADMIN001>" (Slack escapes it) mentions no one: it goes out as typed.
    await reply(threadTs, 'Your code is &lt;@U0ADMIN001&gt;');
    await waitUntil(
      () => outboundSms().length === 1,
      5000,
      () => 'one SMS at Wavix',
    );
    expect(sendsToWavix()).toHaveLength(1);
    expect(outboundSms()[0]?.message_body.text).toBe('Your code is <@U0ADMIN001>');
  });

  it('refuses, audited, when Slack cannot say whether the person is a member (fail closed); the next try goes out', async () => {
    const threadTs = await relayedThread();
    t.fakeSlack.failNext('conversations.members', 'internal_error');
    await reply(threadTs, 'first');
    const [unknown] = await t.fakeSlack.waitFor('chat.postEphemeral');
    expect(unknown?.args).toMatchObject({ user: REPLIER, thread_ts: threadTs });
    expect(unknown?.args.text).toContain('could not check that you are a member of this channel; try again');
    await reply(threadTs, 'second');
    await waitUntil(
      () => outboundSms().length === 1,
      5000,
      () => 'the second try’s SMS',
    );
    expect(outboundSms()[0]?.message_body.text).toBe('second');
    // The send is audited once Wavix has answered it, a moment after the emulator holds the SMS.
    const replyAudits = () => rows("SELECT outcome, params FROM audit_log WHERE action = 'conversation.reply' ORDER BY id");
    await waitUntil(
      () => replyAudits().length >= 2,
      5000,
      () => 'the second try audited',
    );
    const audits = replyAudits();
    expect(audits.map((a) => [a.outcome, JSON.parse(a.params).reason])).toEqual([
      ['refused', 'membership_unknown'],
      ['ok', null],
    ]);
  });

  it('audits a refused non-member and a reply with files', async () => {
    const threadTs = await relayedThread();
    await reply(threadTs, 'let me answer', { user: OUTSIDER });
    await t.fakeSlack.waitFor('chat.postEphemeral');
    await reply(threadTs, 'invoice', { subtype: 'file_share', files: [{ id: 'F0001', name: 'invoice.pdf' }] });
    await waitUntil(
      () => rows("SELECT 1 FROM audit_log WHERE action = 'conversation.reply'").length === 2,
      5000,
      () => 'two refusals audited',
    );
    const audits = rows("SELECT actor, target, outcome, params FROM audit_log WHERE action = 'conversation.reply' ORDER BY id");
    expect(audits.map((a) => [a.actor, a.target, a.outcome, JSON.parse(a.params).reason])).toEqual([
      [OUTSIDER, CUSTOMER, 'refused', 'not_a_member'],
      [REPLIER, CUSTOMER, 'refused', 'files'],
    ]);
    expect(sendsToWavix()).toEqual([]);
  });
});

describe('guests and people from other organisations in the inbox channel', () => {
  const GUEST = 'U0GUEST001';
  const CONNECT = 'U0CONNECT1';

  it('are refused, only to them, audited, and nothing reaches Wavix; a full member of the channel still replies', async () => {
    t.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER, GUEST, CONNECT]);
    t.fakeSlack.seedUser(GUEST, { guest: true });
    // A Slack Connect member sharing the channel: Slack sets no is_stranger then, only their own organisation's team_id.
    t.fakeSlack.handle('users.info', ({ args }) => ({
      user: { id: args.user, team_id: args.user === CONNECT ? 'T0OTHERORG' : 'T1', is_restricted: args.user === GUEST },
    }));
    const threadTs = await relayedThread();
    await reply(threadTs, 'guest answering', { user: GUEST });
    await reply(threadTs, 'partner answering', { user: CONNECT });
    const refusals = await t.fakeSlack.waitFor('chat.postEphemeral', 2);
    expect(refusals.map((c) => [c.args.user, c.args.thread_ts])).toEqual([
      [GUEST, threadTs],
      [CONNECT, threadTs],
    ]);
    for (const refusal of refusals) {
      expect(refusal.args.text).toBe(
        'Your reply was not sent: guests and people from other organisations may answer SMS only when an smsops admin adds them to SLACK_REPLY_USERS.',
      );
    }
    await reply(threadTs, 'member answering');
    await waitUntil(
      () => outboundSms().length === 1,
      5000,
      () => 'the full member’s SMS',
    );
    expect(outboundSms().map((m) => m.message_body.text)).toEqual(['member answering']);
    await waitUntil(
      () => rows("SELECT 1 FROM audit_log WHERE action = 'conversation.reply'").length === 3,
      5000,
      () => 'audited',
    );
    const audits = rows("SELECT actor, outcome, params FROM audit_log WHERE action = 'conversation.reply' ORDER BY id");
    expect(audits.map((a) => [a.actor, a.outcome, JSON.parse(a.params).reason])).toEqual([
      [GUEST, 'refused', 'guest_or_external'],
      [CONNECT, 'refused', 'guest_or_external'],
      [REPLIER, 'ok', null],
    ]);
  });

  it('may reply once an admin names them in SLACK_REPLY_USERS', async () => {
    await t.stop();
    t = await startSmsopsUnderTest({
      SLACK_INBOX_CHANNEL: INBOX,
      SLACK_RELAY_PACE_MS: '0',
      SLACK_REPLY_USERS: `${ADMIN},${GUEST}`,
    });
    t.fakeSlack.setChannelMembers(INBOX, [ADMIN, GUEST]);
    t.fakeSlack.seedUser(GUEST, { guest: true });
    const threadTs = await relayedThread();
    await reply(threadTs, 'contractor answering', { user: GUEST });
    await waitUntil(
      () => outboundSms().length === 1,
      5000,
      () => 'the named guest’s SMS',
    );
    expect(outboundSms()[0]?.message_body.text).toBe('contractor answering');
  });
});

describe('SLACK_REPLY_USERS', () => {
  it('narrows who may reply to the people it names', async () => {
    await t.stop();
    t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0', SLACK_REPLY_USERS: ADMIN });
    t.fakeSlack.setChannelMembers(INBOX, [ADMIN, REPLIER]);
    const threadTs = await relayedThread();
    await reply(threadTs, 'member, but not named');
    const [ephemeral] = await t.fakeSlack.waitFor('chat.postEphemeral');
    expect(ephemeral?.args.text).toContain('SLACK_REPLY_USERS');
    await reply(threadTs, 'named', { user: ADMIN });
    await waitUntil(
      () => outboundSms().length === 1,
      5000,
      () => 'the named person’s SMS',
    );
    expect(outboundSms()[0]?.message_body.text).toBe('named');
  });
});
