import { afterAll, beforeAll, expect, it } from 'vitest';
import { signSlackRequest } from '../helpers/slackRequests.js';
import { OUTSIDER, SIGNING_SECRET, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

// Any member may post a message of 40,000 characters (Slack's limit) in any thread of a channel the bot is in, and smsops
// reads each before it knows whose thread it is: reading it must not hold smsops' one thread, which answers Wavix's
// webhooks and relays the SMS.

let t: SmsopsUnderTest;
beforeAll(async () => {
  t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: 'C0INBOX001' });
});
afterAll(async () => {
  await t.stop();
});

let posted = 0;
function postInThread(text: string, block: object) {
  posted += 1;
  const body = JSON.stringify({
    token: 'x',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: `EvLong${posted}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T1', user_id: 'UBOT', is_bot: true }],
    event: {
      type: 'message',
      channel: 'C0OTHER001',
      channel_type: 'channel',
      user: OUTSIDER,
      text,
      blocks: [{ type: 'rich_text', block_id: 'r', elements: [block] }],
      ts: `1800000000.00000${posted}`,
      thread_ts: '1700000000.000001',
    },
  });
  return t.slack.raw(body, { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, body) });
}

it.each([
  ['spaces between two letters', `a${' '.repeat(39_998)}b`, 'rich_text_section'],
  ['line breaks before a letter, quoted', `${'\n'.repeat(39_999)}x`, 'rich_text_quote'],
])('a thread message of 40,000 characters (%s) leaves /healthz answering', async (_, text, type) => {
  const slowestAnswer = async (ms: number, during?: () => Promise<void>) => {
    let slowest = 0;
    const started = performance.now();
    const watching = (async () => {
      while (performance.now() - started < ms) {
        const asked = performance.now();
        expect((await fetch(`${t.smsops.url}/healthz`)).status).toBe(200);
        slowest = Math.max(slowest, performance.now() - asked);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await during?.();
    await watching;
    return slowest;
  };
  // The machine's own pace first: on a loaded CI machine /healthz alone took 0.6 s at worst, where the quadratic
  // reading held it 1.9 to 2.7 s on a quiet one.
  const quiet = await slowestAnswer(1_000);
  const slowest = await slowestAnswer(2_000, async () => {
    expect((await postInThread(text, { type, elements: [{ type: 'text', text }] })).status).toBe(200);
  });
  expect(slowest).toBeLessThan(Math.max(1_000, 3 * quiet));
});
