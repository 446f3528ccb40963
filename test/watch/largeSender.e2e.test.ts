import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pushPastOutboundSms } from '../helpers/pastOutboundSms.js';
import { ALERT_CHANNEL, readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

/**
 * A reseller that sent 100,100 outbound SMS since UTC midnight: the watch read Wavix's paged list from midnight, 1,000
 * pages a run, and then failed with "ask Wavix support", its failure-rate alert blind (a probe). It now reads the last
 * 2 hours through Wavix's export.
 */
const HOUR = 3_600_000;
let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

/** `count` outbound SMS from +1 415 555 0100 at `at`, the first `failed` of them undelivered. */
const sent = (count: number, at: number, prefix: string, failed = 0) =>
  pushPastOutboundSms(t.emulator.state().messages, { count, at, prefix, fails: (i) => i < failed });

/**
 * The day's bulk, 3 hours ago: outside the 2-hour window whatever the time of day. Within 3 hours after UTC midnight
 * it is yesterday's (which the old paged read from midnight skipped); at midnight + 60 s, as this placed it before, it
 * fell inside the window from 00:00 to 02:00 UTC and the test failed on a correct watch.
 */
function largeDay() {
  sent(100_100, t.emulator.clock.now() - 3 * HOUR, 'day');
}

const runWatch = async () => readable((await runCommand(t, 'jobs run traffic-watch')).body);
const failureAlerts = () =>
  t.fakeSlack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === ALERT_CHANNEL && !c.args.thread_ts && readable(c.args).includes('failed in the last hour'));
const resolved = () => t.fakeSlack.callsTo('chat.update').filter((c) => String(c.args.text).startsWith('Resolved:'));
const messageReads = () => t.emulator.requests().filter((r) => r.method === 'GET' && r.path.startsWith('/v3/messages'));

describe('the traffic watch of a large sender (real app, emulator, fake Slack)', () => {
  it('reads only the last 2 hours, one Wavix call a run, and raises and clears the failure-rate alert as before', async () => {
    largeDay();
    sent(25, t.emulator.clock.now() - 20 * 60_000, 'window', 20);

    expect(await runWatch()).toContain('traffic-watch: ok');
    expect(messageReads().map((r) => `${r.path} ${r.status}`)).toEqual(['/v3/messages/all 200']);
    // 25 lines, not the day's 100,100 (about 45 MB).
    expect(messageReads()[0]?.bytes).toBeLessThan(25 * 1_000);
    expect(failureAlerts()).toHaveLength(1);
    expect(readable(failureAlerts()[0]?.args)).toContain('80 % of SMS from +1 415 555 0100 failed in the last hour (20 of 25)');

    // The failure rate ends once under its threshold at two runs and for 15 minutes (a swinging rate is one alert).
    await t.emulator.clock.advance(2 * HOUR);
    await runWatch();
    await t.emulator.clock.advance(16 * 60_000);
    expect(await runWatch()).toContain('traffic-watch: ok');
    expect(resolved()).toHaveLength(1);
    expect(messageReads()).toHaveLength(3);
  }, 60_000);

  it('reads the paged list where Wavix does not offer the export, says so once in the log, and still judges', async () => {
    sent(25, t.emulator.clock.now() - 20 * 60_000, 'window', 20);
    t.emulator.injectFault({ path: '/v3/messages/all', status: 404, times: Number.POSITIVE_INFINITY });

    expect(await runWatch()).toContain('traffic-watch: ok');
    expect(await runWatch()).toContain('traffic-watch: ok');

    expect(failureAlerts()).toHaveLength(1);
    const said = t.logs.filter((line) => line.includes('GET /v3/messages/all) answered HTTP 404'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('reads the paged list from UTC midnight instead');
    expect(messageReads().map((r) => `${r.path} ${r.status}`)).toEqual([
      '/v3/messages/all 404',
      '/v3/messages 200',
      '/v3/messages/all 404',
      '/v3/messages 200',
    ]);
  });
});
