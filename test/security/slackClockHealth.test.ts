import { afterEach, describe, expect, it, vi } from 'vitest';
import { ALERT_CHANNEL, readable, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * smsops' host clock 10 minutes off in HTTP mode: every correctly signed Slack command, button and thread reply is
 * refused as stale (no SMS sent), while /healthz said ok and Slack took smsops' posts. Slack's own time (the Date
 * header of its answers) now tells /healthz and /metrics; a captured request replayed late never does.
 */

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await t?.stop();
  t = undefined;
});

const TEN_MINUTES = 10 * 60_000;

/** A /sms help signed (correctly) as at `atMs`: Slack's time, or a captured request's. */
async function signedCommandAt(u: SmsopsUnderTest, atMs: number): Promise<number> {
  return (await u.slack.command('help', { timestamp: Math.floor(atMs / 1000) })).status;
}

interface Health {
  status: number;
  body: { status: string; reasons: string[]; slack?: string };
}
async function health(u: SmsopsUnderTest): Promise<Health> {
  const response = await fetch(`${u.smsops.url}/healthz`);
  return { status: response.status, body: (await response.json()) as Health['body'] };
}

/** /healthz asked until its answer is `wanted` (5 s at most): that answer. */
async function healthWhen(u: SmsopsUnderTest, wanted: (h: Health) => boolean, what: string): Promise<Health> {
  return waitUntil(
    async () => {
      const h = await health(u);
      return wanted(h) && h;
    },
    5_000,
    what,
  );
}

/** Calls to `method` about the host clock (the host_clock_off alert's). */
function clockAlerts(u: SmsopsUnderTest, method: string) {
  return u.fakeSlack.callsTo(method).filter((call) => readable(call.args).includes("This host's clock is"));
}

async function clockGauge(u: SmsopsUnderTest): Promise<number | undefined> {
  const text = await (await fetch(`${u.smsops.url}/metrics`)).text();
  const line = /^smsops_host_clock_offset_seconds (-?\d+)$/m.exec(text);
  return line ? Number(line[1]) : undefined;
}

describe('/healthz when Slack’s own time says this host’s clock is off (HTTP mode)', () => {
  it('answers 503 in words while it is 10 minutes off, and 200 again once a fresh signed request is accepted', async () => {
    const u = await startSmsopsUnderTest({}, { slackClockCheck: { soonestGapMs: 0 } });
    t = u;
    // Slack's clock 10 minutes behind this host's: Slack's answers are dated so, and its requests signed so.
    u.fakeSlack.setClockOffset(-TEN_MINUTES);
    expect(await signedCommandAt(u, Date.now() - TEN_MINUTES)).toBe(401);

    const failing = await healthWhen(u, (h) => h.status === 503, '/healthz 503');
    expect(failing.body.status).toBe('failing');
    const said = failing.body.reasons.join('\n');
    expect(said).toMatch(/this host's clock is (599|600|601) s ahead of Slack's \(Slack's answer at \d{4}-\d\d-\d\dT/);
    expect(said).toContain('smsops refuses every Slack command, button and thread reply as stale');
    expect(said).toContain('NTP/chrony');
    expect(failing.body.slack).toBe(failing.body.reasons.find((reason) => reason.includes('clock')));
    expect(await clockGauge(u)).toBeLessThanOrEqual(-599);
    // Slack still takes smsops' posts: the alert channel is told, once.
    const posted = await waitUntil(() => clockAlerts(u, 'chat.postMessage')[0], 5_000, 'the host_clock_off alert');
    expect(posted.args.channel).toBe(ALERT_CHANNEL);
    expect(readable(posted.args)).toContain('smsops refuses every Slack command, button and thread reply as stale');

    // The clock set right: Slack's next request is fresh, and accepted.
    u.fakeSlack.setClockOffset(0);
    expect(await signedCommandAt(u, Date.now())).toBe(200);
    const ok = await health(u);
    expect(ok.status).toBe(200);
    expect(ok.body.slack).toBeUndefined();
    await waitUntil(
      () => clockAlerts(u, 'chat.update').some((call) => String(call.args.text).startsWith('Resolved: ')),
      5_000,
      'the host_clock_off alert resolved',
    );
    expect(clockAlerts(u, 'chat.postMessage').filter((call) => !call.args.thread_ts)).toHaveLength(1);
  });

  it('answers 200 again once Slack’s time, asked again, agrees', async () => {
    const u = await startSmsopsUnderTest({}, { slackClockCheck: { everyMs: 100 } });
    t = u;
    u.fakeSlack.setClockOffset(-TEN_MINUTES);
    await healthWhen(u, (h) => h.status === 503, '/healthz 503 from the periodic check');
    u.fakeSlack.setClockOffset(0);
    const ok = await healthWhen(u, (h) => h.status === 200, '/healthz 200 again');
    expect(ok.body.slack).toBeUndefined();
    expect(Math.abs((await clockGauge(u)) ?? 99)).toBeLessThanOrEqual(1);
    expect(u.logs.some((line) => line.includes('within a minute of Slack’s again'))).toBe(true);
  });

  it('stays 200 with a warning in `slack` at 2 minutes off', async () => {
    const u = await startSmsopsUnderTest({}, { slackClockCheck: { everyMs: 100 } });
    t = u;
    u.fakeSlack.setClockOffset(-2 * 60_000);
    const warned = await healthWhen(u, (h) => h.body.slack !== undefined, '/healthz slack field');
    expect(warned.status).toBe(200);
    expect(warned.body.status).toBe('ok');
    expect(warned.body.slack).toMatch(/this host's clock is (119|120|121) s ahead of Slack's/);
    expect(warned.body.slack).toContain('past 5 minutes off smsops would refuse every Slack command');
    // Slack's requests are still in the window: taken.
    expect(await signedCommandAt(u, Date.now() - 2 * 60_000)).toBe(200);
  });

  it('is not made 503 by a captured signed request replayed 10 minutes late: only Slack’s own time is believed', async () => {
    const u = await startSmsopsUnderTest({}, { slackClockCheck: { soonestGapMs: 0 } });
    t = u;
    expect(await signedCommandAt(u, Date.now() - TEN_MINUTES)).toBe(401);
    // The stale request made smsops ask Slack's time, which agrees with this host's.
    const { gauge } = await waitUntil(
      async () => {
        const gauge = await clockGauge(u);
        return gauge !== undefined && { gauge };
      },
      5_000,
      'smsops_host_clock_offset_seconds',
    );
    expect(Math.abs(gauge)).toBeLessThanOrEqual(1);
    const h = await health(u);
    expect(h.status).toBe(200);
    expect(h.body.slack).toBeUndefined();
    expect(clockAlerts(u, 'chat.postMessage')).toEqual([]);
  });

  it('answers 503 at the first refused request after this host’s clock stepped back 10 minutes, a check already taken before', async () => {
    // This host's clock, as smsops reads it: stepped below.
    const realNow = Date.now.bind(Date);
    let step = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + step);
    const u = await startSmsopsUnderTest({}, { slackClockCheck: { soonestGapMs: 1_000 } });
    t = u;
    // A stale request (a replay) had smsops ask Slack's time: in agreement then.
    expect(await signedCommandAt(u, realNow() - TEN_MINUTES)).toBe(401);
    await waitUntil(async () => (await clockGauge(u)) !== undefined, 5_000, 'the first reading');
    await sleep(1_200);
    // The host's clock steps back 10 minutes (a VM restored from a snapshot); Slack's stays right.
    step = -TEN_MINUTES;
    expect(await signedCommandAt(u, realNow())).toBe(401);
    const failing = await healthWhen(u, (h) => h.status === 503, '/healthz 503 after the step back');
    expect(failing.body.reasons.join('\n')).toMatch(/this host's clock is (599|600|601) s behind Slack's/);
  });
});
