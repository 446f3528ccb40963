import { afterEach, expect, it } from 'vitest';
import { signSlackRequest } from '../helpers/slackRequests.js';
import { postInbound, SIGNING_SECRET, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * A refused reply's notice waited inside the thread's reply queue: a guest posting a few replies in a customer's thread
 * while Slack rate-limited chat.postEphemeral (Retry-After 10 s, four times) held a member's answer in the same thread
 * 30 s before it reached Wavix, minutes under a longer limit (a probe). Production's three tries of a Slack call.
 */

const INBOX = 'C0INBOX001';
const MEMBER = 'U0REPLY001';
const GUEST = 'U0GUEST001';

let t: SmsopsUnderTest;
afterEach(async () => {
  await t.stop();
});

let counter = 0;
const nextTs = () => `1800000000.${String(++counter).padStart(6, '0')}`;

async function threadReply(threadTs: string, user: string, text: string) {
  const body = JSON.stringify({
    token: 'x',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: `EvFlood${counter}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T1', user_id: 'UBOT', is_bot: true }],
    event: { type: 'message', channel: INBOX, channel_type: 'channel', user, text, ts: nextTs(), thread_ts: threadTs },
  });
  return t.slack.raw(body, { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, body) });
}

/** smsops with production's Slack retries, a member and a guest in the inbox channel, and an SMS's thread there. */
async function threadWithAGuest(): Promise<string> {
  t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0' }, { slackRetries: 3 });
  t.fakeSlack.setChannelMembers(INBOX, [MEMBER, GUEST]);
  t.fakeSlack.seedUser(GUEST, { guest: true });
  const before = t.fakeSlack.callsTo('chat.postMessage').length;
  await postInbound(t, { text: 'Is my order ready?' });
  return String((await t.fakeSlack.waitFor('chat.postMessage', before + 1))[before]?.result?.ts);
}

it('a flood of refused replies under a rate limit does not hold a member’s reply in the same thread', async () => {
  const threadTs = await threadWithAGuest();

  t.fakeSlack.rateLimit('chat.postEphemeral', 10, 4);
  for (let i = 0; i < 5; i++) await threadReply(threadTs, GUEST, `guest ${i}`);
  const started = Date.now();
  await threadReply(threadTs, MEMBER, 'Yes, ready at 5');
  await waitUntil(
    () => t.emulator.requests().some((r) => r.method === 'POST' && r.path === '/v3/messages'),
    8000,
    () => 'the member’s SMS at Wavix',
  );
  // The member's own status line waits at most 2 s for the paused client, then the SMS goes.
  expect(Date.now() - started).toBeLessThan(5000);
}, 30_000);

// Posted outside the reply queue, a refusal's notice was no longer waited for by a stop: a guest's reply refused just
// before a deploy while Slack rate-limited the notice (Retry-After 3 s) was never told to them (a probe).
it('a stop waits for a refusal’s notice still being posted, as it waits for replies', async () => {
  const threadTs = await threadWithAGuest();

  t.fakeSlack.rateLimit('chat.postEphemeral', 3, 1);
  await threadReply(threadTs, GUEST, 'guest answering');
  await waitUntil(
    () => t.fakeSlack.callsTo('chat.postEphemeral').length === 1,
    5000,
    () => 'the notice tried once, rate-limited',
  );
  await t.smsops.stop();
  const told = t.fakeSlack.callsTo('chat.postEphemeral').filter((c) => c.error === undefined);
  expect(told.map((c) => c.args.user)).toEqual([GUEST]);
}, 30_000);
