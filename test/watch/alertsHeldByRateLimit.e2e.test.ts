import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN, readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * An alert storm held back by Slack's rate limit: the watch's client waits out each Retry-After, so the posts go out
 * late, and meanwhile /healthz said `alerts: ok` while nothing reached the alert channel.
 */

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const alertsLine = async (s: SmsopsUnderTest) => {
  const health = await fetch(`${s.smsops.url}/healthz`);
  return { status: health.status, alerts: ((await health.json()) as { alerts: string }).alerts };
};

describe("alerts waiting out Slack's rate limit (real app, emulator, fake Slack)", () => {
  it('/healthz says they are held back and until when (still 200), and ok once posted', async () => {
    t = await startSmsopsUnderTest({}, { slackRetries: 2 });
    const s = t;
    expect(readable((await runCommand(s, 'alerts set balance_usd 1000', { userId: ADMIN })).body)).toContain('balance_usd');
    expect((await alertsLine(s)).alerts).toBe('ok');

    s.fakeSlack.rateLimit('chat.postMessage', 3, 1);
    const asked = Date.now();
    const run = runCommand(s, 'jobs run traffic-watch');
    await waitUntil(async () => (await alertsLine(s)).alerts !== 'ok', 5_000, 'healthz to say the alerts wait');
    const held = await alertsLine(s);
    expect(held.status).toBe(200);
    expect(held.alerts).toMatch(/^held back: Slack rate-limited smsops' posts until (\S+); alerts are posted after that$/);
    const until = Date.parse(/until (\S+);/.exec(held.alerts)?.[1] ?? '');
    expect(until).toBeGreaterThan(asked + 2_000);
    expect(until).toBeLessThan(Date.now() + 4_000);

    expect(readable((await run).body)).toContain('traffic-watch: ok');
    expect(
      s.fakeSlack.callsTo('chat.postMessage').filter((c) => !c.rateLimited && String(c.args.text).includes('balance')),
    ).not.toEqual([]);
    expect((await alertsLine(s)).alerts).toBe('ok');
  });
});
