import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { homeButtonPayload, postSignedPayload } from '../helpers/signedPayload.js';
import { ADMIN, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

// The App Home's "Request a Sender ID" comes with neither a response_url nor a channel: when the form cannot be shown,
// the person is told in a direct message instead of nothing happening.

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

const directMessagesTo = (userId: string) => t.fakeSlack.callsTo('chat.postMessage').filter((c) => c.args.channel === userId);

describe('"Request a Sender ID" on the App Home', () => {
  it('says in a direct message when Slack refuses to open the form', async () => {
    t.fakeSlack.failNext('views.open', 'expired_trigger_id');
    const response = await postSignedPayload(t, homeButtonPayload(ADMIN, ACTION.openSenderIdForm));
    expect(response.status).toBe(200);
    const [message] = await t.fakeSlack.waitFor('chat.postMessage');
    expect(message?.args.channel).toBe(ADMIN);
    expect(message?.args.text).toContain('Slack did not open the form in time');
    expect(t.logs.filter((l) => l.includes('reply could not be delivered'))).toEqual([]);
  });

  it('says in a direct message when Slack does not accept the filled form', async () => {
    t.fakeSlack.failNext('views.update', 'invalid_arguments');
    await postSignedPayload(t, homeButtonPayload(ADMIN, ACTION.openSenderIdForm));
    await t.fakeSlack.waitFor('chat.postMessage');
    expect(directMessagesTo(ADMIN).map((c) => c.args.text)).toEqual([
      'Slack did not accept the Sender ID form; close it and run `/sms senderid create` again.',
    ]);
  });
});
