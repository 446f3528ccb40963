import { afterEach, describe, expect, it } from 'vitest';
import {
  ALERT_CHANNEL,
  postInbound,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';

/**
 * A business number: 12 SMS a day between 09:00 and 18:00, none at night. With a 6-hour silence window its alert
 * fired every night at midnight and was resolved at 09:00 by the first SMS: a post and a "Resolved after 9 h" sent to
 * the channel each night, 14 notifications a week for nothing wrong.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NUMBER = '14155550100';

let t: SmsopsUnderTest;
afterEach(async () => {
  await t.stop();
});

/** What the alert channel is notified of about the silence: new posts and replies sent to the channel. */
const notified = () =>
  t.fakeSlack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === ALERT_CHANNEL && (!c.args.thread_ts || String(c.args.reply_broadcast) === 'true'))
    .map((c) => String(c.args.text))
    .filter((text) => text.includes('No inbound SMS') || text.includes('Resolved after'));
const watch = async () => expect(readable((await runCommand(t, 'jobs run traffic-watch')).body)).toContain('traffic-watch');

/** Moves the clock to the next `hour`:00 UTC. */
async function untilHour(hour: number) {
  const now = t.emulator.clock.now();
  const next = Math.floor(now / DAY) * DAY + hour * HOUR;
  await t.emulator.clock.advance((next - now + DAY) % DAY || DAY);
}

/** One working day from 09:00: an SMS every 45 min, the last at 17:15, and the clock left at 18:00. */
async function workingDay() {
  await untilHour(9);
  for (let i = 0; i < 12; i++) {
    if (i > 0) await t.emulator.clock.advance(45 * MINUTE);
    expect((await postInbound(t, { to: NUMBER })).status).toBe(200);
  }
  await untilHour(18);
}

describe('inbound_stopped on a number quiet at night (real app, emulator clock, fake Slack)', () => {
  it('says nothing through the usual quiet hours, and alerts when the working day stays silent', async () => {
    t = await startSmsopsUnderTest();
    await runCommand(t, 'alerts set backlog_minutes off');
    for (let day = 0; day < 7; day++) await workingDay();

    // The night: the watch every hour from 18:00 to 09:00.
    for (let h = 0; h < 15; h++) {
      await t.emulator.clock.advance(HOUR);
      await watch();
    }
    expect(notified()).toEqual([]);
    await workingDay();
    await watch();
    expect(notified()).toEqual([]);

    // Then nothing on the next working day: alerted within it, and kept open through the night after.
    for (let h = 0; h < 24; h++) {
      await t.emulator.clock.advance(HOUR);
      await watch();
    }
    expect(notified()).toEqual([expect.stringContaining('No inbound SMS')]);
    expect(t.db.prepare("SELECT status FROM alerts WHERE rule = 'inbound_stopped'").all()).toEqual([{ status: 'open' }]);
  }, 120_000);
});
