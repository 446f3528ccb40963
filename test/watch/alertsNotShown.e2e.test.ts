import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN,
  ALERT_CHANNEL,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';

/**
 * An alert channel that refuses every post (the bot never invited: not_in_channel). The alert was only a log line:
 * each traffic-watch run said "job ok", the job metric counted no failure and nothing else said it.
 */

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

const metric = async (name: string, labels: string) => {
  const text = await (await fetch(`${t.smsops.url}/metrics`)).text();
  return Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1]);
};

describe('an alert the alert channel refuses (real app, emulator, fake Slack)', () => {
  it('fails the traffic watch run in words, counts it by reason, and says it in /healthz while staying 200', async () => {
    t.fakeSlack.handle('chat.postMessage', (call) =>
      call.args.channel === ALERT_CHANNEL ? { ok: false, error: 'not_in_channel' } : { ts: t.fakeSlack.nextTs() },
    );
    expect(readable((await runCommand(t, 'alerts set balance_usd 1000', { userId: ADMIN })).body)).toContain('balance_usd');
    expect(await metric('smsops_alert_posts_failed_total', 'reason="not_in_channel"')).toBe(0);

    const answer = readable((await runCommand(t, 'jobs run traffic-watch')).body);
    expect(answer).toContain('traffic-watch: failed');
    expect(answer).toContain('the bot is not in the alert channel');
    const run = t.db.prepare("SELECT outcome, error FROM job_runs WHERE job = 'traffic-watch' ORDER BY id DESC").get();
    expect(run).toMatchObject({ outcome: 'failed', error: expect.stringContaining('could not be posted or edited in Slack') });
    expect(await metric('smsops_alert_posts_failed_total', 'reason="not_in_channel"')).toBe(1);
    expect(await metric('smsops_job_runs_total', 'job="traffic-watch",outcome="failed"')).toBe(1);

    const health = await fetch(`${t.smsops.url}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { alerts: string }).alerts).toMatch(
      /^not shown in Slack since .*: the bot is not in the alert channel/,
    );

    // Invited: the alert kept is posted at the next run, which is ok again, and /healthz says so.
    t.fakeSlack.handle('chat.postMessage', undefined);
    expect(readable((await runCommand(t, 'jobs run traffic-watch')).body)).toContain('traffic-watch: ok');
    expect(((await (await fetch(`${t.smsops.url}/healthz`)).json()) as { alerts: string }).alerts).toBe('ok');
  });
});
