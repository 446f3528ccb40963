import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  OUTSIDER,
  postInbound,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

const INBOX = 'C0INBOX001';
let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest({ SLACK_INBOX_CHANNEL: INBOX });
});
afterEach(async () => {
  await t.stop();
});

// Someone removed from the inbox channel (a contractor leaving) went on reading every SMS and its sender with
// `/sms inbox` for up to a minute, while a reply of theirs was refused within seconds (a probe).
describe('/sms inbox after leaving the channel', () => {
  it('hides the texts within seconds, as a reply is refused', async () => {
    t.fakeSlack.setChannelMembers(INBOX, [OUTSIDER]);
    expect((await postInbound(t, { text: 'My new PIN is 4471' })).status).toBe(200);
    await waitUntil(() => t.fakeSlack.callsTo('chat.postMessage').length > 0, 5000, 'the channel post');
    expect(readable((await runCommand(t, 'inbox', { userId: OUTSIDER })).body)).toContain('My new PIN is 4471');

    t.fakeSlack.setChannelMembers(INBOX, []);
    await sleep(5_500);
    const after = readable((await runCommand(t, 'inbox', { userId: OUTSIDER })).body);
    expect(after).not.toContain('My new PIN is 4471');
    expect(after).not.toContain('7400 123456');
  }, 20_000);
});
