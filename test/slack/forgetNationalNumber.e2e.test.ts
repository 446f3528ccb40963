import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postInbound, readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * An erasure request names the customer as they write their number, "07400 123456". Typed so, `/sms forget` looked
 * for the digits as they are and answered "smsops holds nothing about +07400123456 to remove" while it held their 3
 * SMS: believed, the request was answered done. The real process, its database and Slack posts.
 */
let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest({ SLACK_RELAY_PACE_MS: '0' });
});
afterEach(async () => {
  await t.stop();
});

describe('forgetting a customer typed in a national form', () => {
  it('says the number lacks its country code rather than only that nothing is held', async () => {
    for (let i = 0; i < 3; i++) await postInbound(t, { from: '447400123456', text: `hi ${i}` });
    const pending = () =>
      (t.db.prepare("SELECT count(*) AS n FROM deliveries WHERE status != 'delivered'").get() as { n: number }).n;
    await waitUntil(() => pending() === 0, 8000, 'the SMS posted');

    const national = readable((await runCommand(t, 'forget 07400 123456')).body);
    expect(national).toContain('holds nothing');
    expect(national).toContain('`07400123456` starts with 0: a number typed without its country code');
    expect(national).toContain('`/sms forget +44 7400123456`');
    // What it points to finds them.
    expect(readable((await runCommand(t, 'forget +44 7400123456')).body)).toContain('3 SMS received from them');
  });
});
