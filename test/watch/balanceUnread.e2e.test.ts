import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALERT_CHANNEL, readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

/**
 * A balance Wavix does not give for one run (a 503 on GET /v1/profile/config). It was judged as if read: the open
 * balance_low alert was edited to "Resolved" with "Resolved after 1 min." in its thread, the run said "ok (no alert
 * conditions)", and the next run posted the same low balance again as a new alert (its acknowledgement lost).
 */

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

const balancePosts = () =>
  t.fakeSlack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === ALERT_CHANNEL && String(c.args.text).includes('Wavix balance'));
const resolvedEdits = () => t.fakeSlack.callsTo('chat.update').filter((c) => String(c.args.text).startsWith('Resolved'));
const balanceAlerts = () => t.db.prepare("SELECT id, status FROM alerts WHERE rule = 'balance_low' ORDER BY id").all();
const runWatch = async () => readable((await runCommand(t, 'jobs run traffic-watch')).body);

describe('balance_low when the balance cannot be read (real app, emulator, fake Slack)', () => {
  it('leaves the alert open and unedited, and the run fails saying the balance could not be read', async () => {
    (t.emulator.state().profile as { balance: string }).balance = '4.50';
    expect(await runWatch()).toContain('traffic-watch: ok (1 alert condition)');
    expect(balancePosts()).toHaveLength(1);
    const [opened] = balanceAlerts() as Array<{ id: number }>;

    t.emulator.injectFault({ path: '/v1/profile/config', status: 503, times: 20 });
    const failed = await runWatch();
    t.emulator.clearFaults();
    expect(failed).toContain('traffic-watch: failed');
    expect(failed).toContain('balance (balance_low left as it was): Wavix is unavailable right now (503)');
    expect(balanceAlerts()).toEqual([{ id: opened?.id, status: 'open' }]);

    expect(await runWatch()).toContain('traffic-watch: ok (1 alert condition)');
    // One episode: never said resolved, never posted again.
    expect(balanceAlerts()).toEqual([{ id: opened?.id, status: 'open' }]);
    expect(balancePosts()).toHaveLength(1);
    expect(resolvedEdits()).toEqual([]);
    expect(t.fakeSlack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts)).toEqual([]);
  });
});
