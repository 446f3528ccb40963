import { afterEach, describe, expect, it } from 'vitest';
import {
  ALERT_CHANNEL,
  postInbound,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * A number that got 12 SMS a day for a week, then none. Its habit was the average of the last 7 days, silence
 * included: the alert read "usually gets 11 a day" at 12 h, 10 at a day, and was edited to "Resolved" with
 * "Resolved after 1 d 1 h" at 32 h with no SMS received; after 7 silent days the number was no longer judged at all.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NUMBER = '14155550100';

let t: SmsopsUnderTest;
afterEach(async () => {
  await t.stop();
});

const silencePosts = () =>
  t.fakeSlack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === ALERT_CHANNEL && !c.args.thread_ts && String(c.args.text).includes('No inbound SMS'));
// The silence alert's own: on a loaded machine the emulator clock's jumps can also open and end a relay_stalled alert.
const resolvedEdits = () =>
  t.fakeSlack
    .callsTo('chat.update')
    .filter((c) => String(c.args.text).startsWith('Resolved') && String(c.args.text).includes('No inbound SMS'));
const resolvedReplies = () => {
  const silenceTs = new Set(
    t.fakeSlack
      .callsTo('chat.update')
      .filter((c) => String(c.args.text).includes('No inbound SMS'))
      .map((c) => c.args.ts),
  );
  return t.fakeSlack
    .callsTo('chat.postMessage')
    .filter((c) => silenceTs.has(c.args.thread_ts) && String(c.args.text).includes('Resolved after'));
};
const silenceAlerts = () =>
  t.db.prepare("SELECT id, subject_key, status FROM alerts WHERE rule = 'inbound_stopped' ORDER BY id").all();
/** What the alert's message says now: its last edit, else its post. */
const shownText = () => {
  const edits = t.fakeSlack
    .callsTo('chat.update')
    .map((c) => String(c.args.text))
    .filter((text) => text.includes('No inbound SMS'));
  return edits.at(-1) ?? String(silencePosts()[0]?.args.text);
};
const runJob = async (name: string) => readable((await runCommand(t, `jobs run ${name}`)).body);

/** 12 SMS a day for 7 days (one every 2 h), then the clock stands `silenceMs` after the last. */
async function habitThenSilence(silenceMs: number): Promise<void> {
  // Only the silence rule is under test: a Slack leg held by the emulator's clock is not a backlog here.
  await runCommand(t, 'alerts set backlog_minutes off');
  for (let i = 0; i < 84; i++) {
    if (i > 0) await t.emulator.clock.advance(2 * HOUR);
    expect((await postInbound(t, { to: NUMBER })).status).toBe(200);
  }
  await t.emulator.clock.advance(silenceMs);
}

describe('inbound_stopped through a long silence (real app, emulator clock, fake Slack)', () => {
  it('stays open with the habit from before the silence at 2 and 8 days, and resolves once when an SMS arrives', async () => {
    t = await startSmsopsUnderTest();
    await habitThenSilence(7 * HOUR);
    expect(await runJob('traffic-watch')).toContain('traffic-watch: ok (1 alert condition)');
    expect(silencePosts()).toHaveLength(1);
    expect(shownText()).toContain('for 7 h; it usually gets 12 a day');
    const [opened] = silenceAlerts() as Array<{ id: number }>;

    await t.emulator.clock.advance(2 * DAY - 7 * HOUR);
    expect(await runJob('traffic-watch')).toContain('traffic-watch: ok (1 alert condition)');
    expect(shownText()).toContain('for 2 d; it usually gets 12 a day');

    // The last SMS has left the week perNumber reads.
    await t.emulator.clock.advance(6 * DAY);
    expect(await runJob('traffic-watch')).toContain('traffic-watch: ok (1 alert condition)');
    expect(shownText()).toContain('for 8 d; it usually gets 12 a day');
    expect(silenceAlerts()).toEqual([{ id: opened?.id, subject_key: NUMBER, status: 'open' }]);
    expect(resolvedEdits()).toEqual([]);

    expect((await postInbound(t, { to: NUMBER })).status).toBe(200);
    expect(await runJob('traffic-watch')).toContain('traffic-watch: ok (no alert conditions)');
    await runJob('traffic-watch');
    expect(silenceAlerts()).toEqual([{ id: opened?.id, subject_key: NUMBER, status: 'resolved' }]);
    expect(resolvedEdits()).toHaveLength(1);
    expect(resolvedReplies()).toHaveLength(1);
    expect(silencePosts()).toHaveLength(1);
  });

  it('ends when the number leaves the Wavix account, and not while the account cannot be read', async () => {
    t = await startSmsopsUnderTest();
    await habitThenSilence(7 * HOUR);
    expect(await runJob('traffic-watch')).toContain('traffic-watch: ok (1 alert condition)');
    await t.emulator.clock.advance(9 * DAY);

    const numbers = t.emulator.state().numbers as Array<{ number: string }>;
    numbers.splice(
      numbers.findIndex((n) => n.number === NUMBER),
      1,
    );
    t.emulator.injectFault({ path: '/v1/profile', status: 503, times: 20 });
    expect(await runJob('traffic-watch')).toContain('traffic-watch: failed');
    expect(silenceAlerts()).toMatchObject([{ status: 'open' }]);
    t.emulator.clearFaults();

    expect(await runJob('traffic-watch')).toContain('traffic-watch: ok (no alert conditions)');
    expect(silenceAlerts()).toMatchObject([{ status: 'resolved' }]);
    expect(resolvedEdits()).toHaveLength(1);
  });

  it('stays open after retention deleted the messages that measured the habit', async () => {
    t = await startSmsopsUnderTest({ RETENTION_DAYS: '8', SLACK_RELAY_PACE_MS: '0' });
    await habitThenSilence(7 * HOUR);
    expect(await runJob('traffic-watch')).toContain('traffic-watch: ok (1 alert condition)');

    await t.emulator.clock.advance(10 * DAY);
    // Retention keeps a message whose delivery is unfinished: the Slack leg first posts them all.
    await waitUntil(
      () => t.db.prepare("SELECT count(*) FROM deliveries WHERE status <> 'delivered'").pluck().get() === 0,
      20_000,
      'every SMS posted to Slack',
    );
    expect(await runJob('retention')).toContain('retention: ok');
    expect(t.db.prepare('SELECT count(*) FROM inbound_messages').pluck().get()).toBe(0);
    expect(await runJob('traffic-watch')).toContain('traffic-watch: ok (1 alert condition)');
    expect(shownText()).toContain('for 10 d 7 h; it usually gets 12 a day');
    expect(silenceAlerts()).toMatchObject([{ status: 'open' }]);
    expect(resolvedEdits()).toEqual([]);
  });
});
