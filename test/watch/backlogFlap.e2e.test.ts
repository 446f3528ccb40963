import { describe, expect, it } from 'vitest';
import { ALERT_CHANNEL, postInbound, readable, runCommand, type SmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { sleep } from '../helpers/waitUntil.js';
import type { WebhookSink } from '../helpers/webhookSink.js';

const rig = useSmsopsWithSink({
  portsipPath: '/emc/Wavix - US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90',
  // The clock moves minutes while the workers loop in real time: they would look stalled to the relay's watchdog.
  env: { SLACK_RELAY_PACE_MS: '0', RELAY_STALL_ALERT_MS: '3600000' },
});

const MINUTE = 60_000;

/** What the alert channel is notified of: new alert posts and replies sent to the channel (not SMS, not edits). */
const notified = (t: SmsopsUnderTest) =>
  t.fakeSlack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === ALERT_CHANNEL && (!c.args.thread_ts || String(c.args.reply_broadcast) === 'true'))
    .map((c) => String(c.args.text))
    .filter((text) => !text.startsWith('SMS from'));

/** Moves smsops' clock on in small steps, giving the relay a moment at each to retry what is due. */
async function pass(t: SmsopsUnderTest, ms: number) {
  for (let gone = 0; gone < ms; gone += 20_000) {
    await t.emulator.clock.advance(20_000);
    await sleep(20);
  }
}

const pendingAtPbx = (t: SmsopsUnderTest) =>
  (
    t.db
      .prepare("SELECT count(*) AS n FROM deliveries WHERE destination_kind = 'portsip' AND status IN ('pending', 'in_flight')")
      .get() as { n: number }
  ).n;

async function watchRun(t: SmsopsUnderTest) {
  expect(readable((await runCommand(t, 'jobs run traffic-watch')).body)).toContain('traffic-watch: ok');
}

/** PortSIP down long enough for an SMS to wait past the limit, then up until it is delivered. */
async function outage(t: SmsopsUnderTest, sink: WebhookSink) {
  sink.respondWith(503);
  await postInbound(t, { text: 'during the outage' });
  await pass(t, 11 * MINUTE);
  await watchRun(t);
  sink.respondWith(200);
  for (let i = 0; i < 30 && pendingAtPbx(t) > 0; i++) await pass(t, MINUTE);
  expect(pendingAtPbx(t)).toBe(0);
}

describe('a PortSIP that flaps (real app, emulator clock, fake Slack)', () => {
  it('keeps a backlog delivered and built again within its limit one alert, resolved once it stays clear', async () => {
    const { t, sink } = await rig.start();
    await outage(t, sink);
    expect(notified(t)).toEqual([expect.stringContaining('inbound SMS waiting for PortSIP')]);

    // Delivered: the next run finds the backlog clear, but PortSIP fails again minutes later.
    await watchRun(t);
    await outage(t, sink);
    await watchRun(t);
    // One fault, one notification: not "Resolved" then a new alert 10 minutes later.
    expect(notified(t)).toHaveLength(1);
    expect(t.db.prepare("SELECT count(*) AS n FROM alerts WHERE rule = 'relay_backlog'").get()).toEqual({ n: 1 });

    // PortSIP stays up: resolved once clear for the backlog limit (10 min), at the run after.
    await pass(t, 5 * MINUTE);
    await watchRun(t);
    expect(notified(t)).toHaveLength(1);
    await pass(t, 5 * MINUTE);
    await watchRun(t);
    expect(notified(t)).toEqual([
      expect.stringContaining('inbound SMS waiting for PortSIP'),
      expect.stringContaining('Resolved after'),
    ]);
    expect(t.db.prepare("SELECT status FROM alerts WHERE rule = 'relay_backlog'").all()).toEqual([{ status: 'resolved' }]);
  }, 120_000);

  it('says a backlog kept open after it cleared is clear, not the SMS that were waiting', async () => {
    // Kept open 10 minutes after clearing, the alert still read "3 inbound SMS waiting for PortSIP" in /sms alerts,
    // App Home, the digest and its message with none waiting (a probe).
    const { t, sink } = await rig.start();
    await outage(t, sink);
    await watchRun(t);
    expect(pendingAtPbx(t)).toBe(0);
    const listed = readable((await runCommand(t, 'alerts')).body);
    expect(listed).toContain('No inbound SMS waiting for PortSIP');
    expect(listed).not.toMatch(/\d+ inbound SMS waiting/);
    const edited = t.fakeSlack
      .callsTo('chat.update')
      .filter((c) => c.args.channel === ALERT_CHANNEL)
      .at(-1);
    expect(readable(edited?.args)).toContain('No inbound SMS waiting for PortSIP');
    // Filling again within the 10 minutes: the same alert's message says what waits again, then that it cleared.
    await outage(t, sink);
    await watchRun(t);
    const edits = t.fakeSlack
      .callsTo('chat.update')
      .filter((c) => c.args.channel === ALERT_CHANNEL)
      .map((c) => (readable(c.args).includes('No inbound SMS waiting') ? 'clear' : 'waiting'));
    expect(edits.slice(edits.indexOf('clear'))).toEqual(expect.arrayContaining(['clear', 'waiting']));
    expect(edits.at(-1)).toBe('clear');
    expect(edits.lastIndexOf('waiting')).toBeGreaterThan(edits.indexOf('clear'));
    expect(t.db.prepare("SELECT count(*) AS n FROM alerts WHERE rule = 'relay_backlog'").get()).toEqual({ n: 1 });
  }, 120_000);

  it('says in the daily digest what fired and ended overnight, not only that no alert is open', async () => {
    const { t, sink } = await rig.start();
    for (let episode = 0; episode < 2; episode++) {
      await outage(t, sink);
      // PortSIP stays up long enough for each to end: two episodes, each resolved.
      for (let run = 0; run < 3; run++) {
        await watchRun(t);
        await pass(t, 5 * MINUTE);
      }
    }
    expect(t.db.prepare("SELECT status FROM alerts WHERE rule = 'relay_backlog'").all()).toEqual([
      { status: 'resolved' },
      { status: 'resolved' },
    ]);
    expect(readable((await runCommand(t, 'jobs run daily-digest')).body)).toContain('daily-digest: ok');
    const digest = t.fakeSlack
      .callsTo('chat.postMessage')
      .find((c) => c.args.channel === ALERT_CHANNEL && String(c.args.text).startsWith('Daily SMS digest'));
    const words = readable(digest?.args);
    expect(words).toContain('No open alerts.');
    expect(words).toContain('2 alerts ended in these hours:');
    expect(words).toMatch(/inbound SMS waiting for PortSIP .*\(fired 2 times, \d+ min in all\)/);
  }, 120_000);
});
