import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ADMIN, OUTSIDER, readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

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

  it('costs Wavix one read and Slack a few publishes when a member reopens it 50 times at once', async () => {
    const before = t.emulator.requests().length;
    await Promise.all(
      Array.from({ length: 50 }, () =>
        t.slack.event({ type: 'app_home_opened', user: OUTSIDER, channel: 'D0HOME0002', tab: 'home' }),
      ),
    );
    await waitUntil(
      () => t.fakeSlack.callsTo('views.publish').some((call) => readable(call.args.view).includes('+1 415 555 0100')),
      5_000,
      'a Home showing the numbers',
    );
    const wavixCalls = t.emulator.requests().slice(before);
    // Before: every open read Wavix (profile and numbers) and published twice: 100 Wavix calls, 100 publishes.
    expect(wavixCalls.filter((r) => r.path === '/v1/numbers')).toHaveLength(1);
    expect(t.fakeSlack.callsTo('views.publish').length).toBeLessThanOrEqual(3);
    expect(readable(t.fakeSlack.callsTo('views.publish').at(-1)?.args.view)).toContain('+1 415 555 0100');
  });
});

describe('App Home under Slack rate limits', () => {
  it('never holds up another person’s modal while Slack rate-limits the Home tab', async () => {
    await t.stop();
    // Production's retries: Bolt's client then waits out a 429's Retry-After, and every call behind it waits too.
    t = await startSmsopsUnderTest({}, { slackRetries: 2 });
    t.fakeSlack.rateLimit('views.publish', 20);
    await t.slack.event({ type: 'app_home_opened', user: OUTSIDER, channel: 'D0HOME0002', tab: 'home' });
    await waitUntil(() => t.fakeSlack.callsTo('views.publish').length > 0, 5_000, 'the rate-limited publish');
    const asked = Date.now();
    await t.slack.command('senderid create', { userId: ADMIN });
    await t.fakeSlack.waitFor('views.open', 1);
    // A trigger_id lasts 3 s: the modal opened 20 s late before, long expired.
    expect(Date.now() - asked).toBeLessThan(2_000);
  });

  it('publishes the Home again within a minute when Slack (or a proxy) answers a 429 asking to wait for years', async () => {
    // Retry-After: 99999999 (3 years): no Home was published again until smsops restarted, /healthz saying ok.
    t.fakeSlack.rateLimit('views.publish', 99_999_999);
    await t.slack.event({ type: 'app_home_opened', user: OUTSIDER, channel: 'D0HOME0002', tab: 'home' });
    await waitUntil(() => t.logs.some((line) => line.includes('Slack rate-limited the App Home')), 5_000, 'the 429 noticed');
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 61_000);
    try {
      await t.slack.event({ type: 'app_home_opened', user: ADMIN, channel: 'D0HOME0001', tab: 'home' });
      await waitUntil(
        () => t.fakeSlack.callsTo('views.publish').some((call) => call.args.user_id === ADMIN),
        5_000,
        'the Home published a minute later',
      );
    } finally {
      vi.restoreAllMocks();
    }
  });
});
