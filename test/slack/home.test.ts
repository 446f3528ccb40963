import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

describe('App Home', () => {
  it('publishes the Sender IDs and routes when a person opens the Home tab', async () => {
    await runCommand(t, 'senderid list');
    await runCommand(t, 'route set default https://pbx.example.com/emc/Wavix/ffff0000-1111-2222-3333-444455556666');
    const response = await t.slack.event({ type: 'app_home_opened', user: ADMIN, channel: 'D0HOME0001', tab: 'home' });
    expect(response.status).toBe(200);
    const [published] = await t.fakeSlack.waitFor('views.publish');
    expect(published?.args.user_id).toBe(ADMIN);
    const text = readable(published?.args.view);
    expect(text).toContain('*Wavix* (alphanumeric): approved GB');
    expect(text).toContain('*default* (every other number) → PortSIP');
    expect(text).toContain('Request a Sender ID');
  });

  it('ignores the Messages tab', async () => {
    await t.slack.event({ type: 'app_home_opened', user: ADMIN, channel: 'D0HOME0001', tab: 'messages' });
    await runCommand(t, 'help');
    expect(t.fakeSlack.callsTo('views.publish')).toHaveLength(0);
  });
});
