import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signSlackRequest } from '../helpers/slackRequests.js';
import {
  ADMIN,
  OUTSIDER,
  readable,
  SIGNING_SECRET,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * Bolt authorises every Slack request before anything acknowledges it, and smsops' authorisation used to ask Slack
 * for the bot's ids (auth.test) right there: with auth.test unanswered, `/sms help` waited for the call's timeout and
 * retries (91 s in a probe; Slack gives up after 3 s), each concurrent request asked again. HTTP mode, real SQLite,
 * the fake Slack holding every auth.test unanswered until the test ends.
 */

const INBOX = 'C0INBOX001';
const CUSTOMER = '447400123456';

/** Slack shows "dispatch_failed" after 3 s: an answer not in by 10 s is the defect, not a slow machine. */
const unanswered = <T>(answer: Promise<T>) =>
  Promise.race([answer, sleep(10_000).then(() => 'no answer while auth.test hangs' as const)]);

let t: SmsopsUnderTest;
let release: () => void = () => {};

beforeEach(async () => {
  t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX, SLACK_RELAY_PACE_MS: '0' });
  // The bot is in the channel it posts to, as in Slack.
  t.fakeSlack.setChannelMembers(INBOX, [ADMIN, 'UBOT']);
});

afterEach(async () => {
  release();
  await t.stop();
});

describe('Slack requests while Slack does not answer auth.test', () => {
  it('answers /sms help in its acknowledgement, and asks auth.test once for requests arriving together', {
    timeout: 30_000,
  }, async () => {
    release = t.fakeSlack.hang('auth.test');
    const answers = await unanswered(Promise.all([t.slack.command('help'), t.slack.command('help audit')]));
    expect(answers).not.toBe('no answer while auth.test hangs');
    const [help, audit] = answers as Exclude<typeof answers, string>;
    expect(help.status).toBe(200);
    expect(readable(help.json)).toContain('/sms');
    expect(readable(audit.json)).toContain('/sms audit 20');
    // One question out, in the background, still unanswered: the answers above did not wait for it.
    await t.fakeSlack.waitFor('auth.test', 1);
    expect(t.fakeSlack.callsTo('auth.test').map((c) => c.result)).toEqual([undefined]);
  });

  it("never takes the bot's own message in a relay thread for a person's reply while its ids are unknown", {
    timeout: 30_000,
  }, async () => {
    const threadTs = await relayedThread();
    release = t.fakeSlack.hang('auth.test');
    // The bot's own post, without the bot_id Slack normally adds: only the bot user's id tells it apart.
    const own = await unanswered(threadMessage(threadTs, 'UBOT', 'posted by smsops itself'));
    expect(own).toBe(200);
    // A later event from someone outside the channel is refused in words: by then the first one was handled.
    expect(await unanswered(threadMessage(threadTs, OUTSIDER, 'marker'))).toBe(200);
    await waitUntil(
      () => t.fakeSlack.callsTo('chat.postEphemeral').some((c) => c.args.user === OUTSIDER),
      5_000,
      'the marker refused',
    );
    expect(t.db.prepare('SELECT * FROM conversation_replies').all()).toEqual([]);
    expect(t.emulator.requests().filter((r) => r.method === 'POST' && r.path === '/v3/messages')).toEqual([]);
  });
});

let counter = 0;

async function relayedThread(): Promise<string> {
  const before = t.fakeSlack.callsTo('chat.postMessage').length;
  const response = await fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message_id: `auth-${++counter}-${Date.now()}`,
      message_type: 'sms',
      from: CUSTOMER,
      to: '14155550100',
      message_body: { text: 'Hello, is my order on its way?', media: null },
      received_at: new Date().toISOString(),
    }),
  });
  expect(response.status).toBe(200);
  const posts = await t.fakeSlack.waitFor('chat.postMessage', before + 1);
  const ts = posts[before]?.result?.ts as string;
  await waitUntil(
    () => t.db.prepare('SELECT 1 FROM slack_threads WHERE thread_ts = ?').get(ts) !== undefined,
    5_000,
    'the relay thread recorded',
  );
  return ts;
}

/** A message event in the thread, as Slack sends it (signed); resolves with the HTTP status of its answer. */
async function threadMessage(threadTs: string, user: string, text: string): Promise<number> {
  const ts = `1800000000.${String(++counter).padStart(6, '0')}`;
  const body = JSON.stringify({
    token: 'x',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: `EvAuth${counter}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: 'T1', user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
    event: { type: 'message', channel: INBOX, channel_type: 'channel', user, text, ts, event_ts: ts, thread_ts: threadTs },
  });
  const answer = await t.slack.raw(body, { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, body) });
  return answer.status;
}
