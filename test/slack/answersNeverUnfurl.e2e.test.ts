import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN,
  postInbound,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: 'C0INBOX001' });
});
afterEach(async () => {
  await t.stop();
});

// A customer's SMS naming an image link (a tracking pixel) is shown by `/sms inbox` through the response_url, where
// Slack unfurls media links as it does for incoming webhooks unless told not to: Slack fetching it would tell the
// link's owner when the inbox was read. The channel post said no; the answer said nothing (a probe).
describe('answers to a person', () => {
  it('say unfurl_links and unfurl_media false, /sms inbox showing an SMS with a link included', async () => {
    const pixel = 'https://tracker.example/p/jane-4f2a.gif';
    expect((await postInbound(t, { text: `Hi, see ${pixel}` })).status).toBe(200);
    await waitUntil(() => t.fakeSlack.callsTo('chat.postMessage').length > 0, 5000, 'the channel post');
    const answer = await runCommand(t, 'inbox', { userId: ADMIN });
    expect(readable(answer.body)).toContain(pixel);
    expect(answer.body).toMatchObject({ unfurl_links: false, unfurl_media: false });
  });
});
