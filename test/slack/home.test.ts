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
    const [first, second] = await t.fakeSlack.waitFor('views.publish', 2);
    expect(first?.args.user_id).toBe(ADMIN);
    // The first view comes from the store alone; the numbers follow once Wavix answered.
    expect(readable(first?.args.view)).toContain('Reading them from Wavix');
    const text = readable(second?.args.view);
    expect(text).toContain('*Wavix* (alphanumeric): approved GB');
    expect(text).toContain('*default* (every other number) → PortSIP');
    expect(text).toContain('Request a Sender ID');
    expect(text).toContain('*Alerts*\n:white_check_mark: None open.');
    expect(text).toMatch(/\*Relay\*\n:white_check_mark: Nothing waiting\. Last delivery never/);
    expect(text).toContain('*+1 415 555 0100* (US) inbound SMS: active');
  });

  it('shows open alerts and says when Wavix could not be read for the numbers', async () => {
    await runCommand(t, 'webhook set');
    await runCommand(t, 'jobs run traffic-watch');
    const profile = t.emulator.state().profile as { sms_relay_url: string | null };
    profile.sms_relay_url = 'https://elsewhere.example.com/hook';
    await runCommand(t, 'jobs run traffic-watch');
    t.emulator.injectFault({ path: '/v1/numbers', status: 503, times: 10 });
    await t.slack.event({ type: 'app_home_opened', user: ADMIN, channel: 'D0HOME0001', tab: 'home' });
    const [, second] = await t.fakeSlack.waitFor('views.publish', 2);
    const text = readable(second?.args.view);
    expect(text).toContain('*Alerts* (1 open)');
    expect(text).toContain('account default inbound SMS webhook no longer points at smsops');
    expect(text).toContain('Wavix could not be read');
  });

  it('ignores the Messages tab', async () => {
    await t.slack.event({ type: 'app_home_opened', user: ADMIN, channel: 'D0HOME0001', tab: 'messages' });
    await runCommand(t, 'help');
    expect(t.fakeSlack.callsTo('views.publish')).toHaveLength(0);
  });
});
