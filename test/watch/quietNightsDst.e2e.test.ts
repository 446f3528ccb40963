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
 * A business number in London: 12 SMS a day between 09:00 and 17:15 local time, none at night. The silence rule reads
 * "the same hours" of the week before; counted back in real 24-hour days, the week before a daylight-saving change was
 * read an hour off its wall clock, so on the evening the clocks went forward the quiet evening looked like working
 * hours: "No inbound SMS" at 23:15 and "Resolved" at 09:00 (and again on the following nights, fading over the week).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NUMBER = '14155550100';
const ZONE = 'Europe/London';

let t: SmsopsUnderTest;
afterEach(async () => {
  await t.stop();
});

const notified = () =>
  t.fakeSlack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === ALERT_CHANNEL && (!c.args.thread_ts || String(c.args.reply_broadcast) === 'true'))
    .map((c) => String(c.args.text))
    .filter((text) => text.includes('No inbound SMS') || text.includes('Resolved after'));
const watch = async () => expect(readable((await runCommand(t, 'jobs run traffic-watch')).body)).toContain('traffic-watch');

/** London's wall-clock hour at the test's now. */
const londonHour = () =>
  Number(new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: 'numeric', hourCycle: 'h23' }).format(t.emulator.clock.now()));

/** Moves the clock to the next whole hour whose London wall clock reads `hour`:00. */
async function untilLondonHour(hour: number) {
  do await t.emulator.clock.advance(HOUR - (t.emulator.clock.now() % HOUR));
  while (londonHour() !== hour);
}

/** One working day from 09:00 London time: an SMS every 45 min, the last at 17:15, and the clock left at 18:00. */
async function workingDay() {
  await untilLondonHour(9);
  for (let i = 0; i < 12; i++) {
    if (i > 0) await t.emulator.clock.advance(45 * MINUTE);
    expect((await postInbound(t, { to: NUMBER })).status).toBe(200);
  }
  await untilLondonHour(18);
}

describe('inbound_stopped through a daylight-saving change (real app, emulator clock, fake Slack)', () => {
  it('says nothing on the quiet evening after the clocks went forward', async () => {
    t = await startSmsopsUnderTest({ SCHEDULE_TIMEZONE: ZONE });
    await runCommand(t, 'alerts set backlog_minutes off');
    // To the Saturday 8 days before London's clocks go forward (2027-03-28 01:00 UTC).
    await t.emulator.clock.advance(Date.UTC(2027, 2, 20, 12) - t.emulator.clock.now());
    for (let day = 0; day < 7; day++) await workingDay(); // 21-27 March, GMT
    await workingDay(); // 28 March, the first day of BST
    expect(notified()).toEqual([]);

    // The evening and night, as the watch runs them: every 5 minutes from 22:00 to 01:00, hourly after.
    await untilLondonHour(22);
    for (let i = 0; i < 36; i++) {
      await t.emulator.clock.advance(5 * MINUTE);
      await watch();
    }
    for (let h = 0; h < 8; h++) {
      await t.emulator.clock.advance(HOUR);
      await watch();
    }
    expect(notified()).toEqual([]);
  }, 180_000);
});
