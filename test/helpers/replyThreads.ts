import { expect } from 'vitest';
import { signSlackRequest } from './slackRequests.js';
import { SIGNING_SECRET, type SmsopsUnderTest, WEBHOOK_SECRET } from './smsopsUnderTest.js';
import { waitUntil } from './waitUntil.js';

/** The inbox channel, the person answering from it, smsops' number and the customer of the reply tests. */
export const REPLY_THREAD = {
  inbox: 'C0INBOX001',
  replier: 'U0REPLY001',
  ourNumber: '14155550100',
  customer: '447400123456',
} as const;

let counter = 0;

/** Posts a customer's SMS to smsops as Wavix does and answers the ts of its Slack post once its thread is recorded. */
export async function relayedThread(s: SmsopsUnderTest, idPrefix: string): Promise<string> {
  const before = s.fakeSlack.callsTo('chat.postMessage').length;
  const response = await fetch(`${s.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message_id: `${idPrefix}-${++counter}-${Date.now()}`,
      message_type: 'sms',
      from: REPLY_THREAD.customer,
      to: REPLY_THREAD.ourNumber,
      message_body: { text: 'Where is my parcel?', media: null },
      received_at: new Date().toISOString(),
    }),
  });
  expect(response.status).toBe(200);
  const posts = await s.fakeSlack.waitFor('chat.postMessage', before + 1);
  const ts = posts[before]?.result?.ts as string;
  await waitUntil(
    () => s.db.prepare('SELECT 1 FROM slack_threads WHERE thread_ts = ?').get(ts) !== undefined,
    5000,
    () => 'the relay thread recorded',
  );
  return ts;
}

/** A person's message in the thread, as Slack posts the event (signed); `ts` is the message's own. */
export async function replyInThread(s: SmsopsUnderTest, threadTs: string, ts: string, text: string, eventId: string) {
  const body = JSON.stringify({
    token: 'x',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: 'T1', user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
    event: {
      type: 'message',
      channel: REPLY_THREAD.inbox,
      channel_type: 'channel',
      user: REPLY_THREAD.replier,
      text,
      ts,
      event_ts: ts,
      thread_ts: threadTs,
    },
  });
  const answer = await s.slack.raw(body, { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, body) });
  expect(answer.status).toBe(200);
}

/** The text of the last post or edit in Slack that is a reply's status line ("May have been sent…", "Sent · …"). */
export const replyStatusLine = (s: SmsopsUnderTest): string =>
  String(
    [...s.fakeSlack.calls]
      .reverse()
      .find(
        (c) =>
          (c.method === 'chat.update' || c.method === 'chat.postMessage') &&
          /^(May|Sending|Sent|Deliv|Undeliv|Not sent)/.test(String(c.args.text)),
      )?.args.text,
  );
