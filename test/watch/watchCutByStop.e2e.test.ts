import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ALERT_RULE } from '../../src/core/alertRules.js';
import { WATCH_WAVIX_FAILURES_SETTING } from '../../src/jobs/trafficWatchJob.js';
import { readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe('a traffic-watch run cut by smsops stopping', () => {
  it('neither counts towards wavix_unreachable nor raises it, Wavix having failed twice before', async () => {
    t = await startSmsopsUnderTest();
    const app = t;
    const runJob = async () => readable((await runCommand(app, 'jobs run traffic-watch')).body);
    // Two runs that truly could not read Wavix (the profile refused).
    app.emulator.injectFault({ path: '/v1/profile', status: 403, times: Number.POSITIVE_INFINITY });
    expect(await runJob()).toContain('traffic-watch: failed');
    expect(await runJob()).toContain('traffic-watch: failed');
    const counter = () =>
      app.db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(WATCH_WAVIX_FAILURES_SETTING)
        ?.value;
    expect(counter()).toBe('2');
    app.emulator.clearFaults();

    // Wavix answers again, slowly; smsops is stopped (a deploy) while the third run waits on it.
    app.emulator.injectFault({ path: '/v1/profile', latencyMs: 5_000, times: Number.POSITIVE_INFINITY });
    void runCommand(app, 'jobs run traffic-watch').catch(() => undefined);
    await sleep(1_000);
    await app.smsops.stop();

    // The old code counted the cut run as the third failure and raised a critical alert as smsops stopped.
    const unreachable = app.db
      .prepare<[string], { subject_key: string }>('SELECT subject_key FROM alerts WHERE rule = ?')
      .all(ALERT_RULE.wavixUnreachable);
    expect(unreachable).toEqual([]);
    expect(counter()).toBe('2');
    const last = app.db
      .prepare<[], { outcome: string; error: string | null }>(
        "SELECT outcome, error FROM job_runs WHERE job = 'traffic-watch' ORDER BY id DESC LIMIT 1",
      )
      .get();
    expect(last?.outcome).toBe('skipped');
  }, 60_000);

  // A run cut by its own time limit is not a stop: Wavix too slow to be read run after run left drift and the balance
  // unjudged, each run recorded skipped by the watch, and no alert ever said so.
  it('still counts a run cut by its time limit, Wavix too slow to be read, and the third raises wavix_unreachable', async () => {
    t = await startSmsopsUnderTest({}, { jobTimeLimitMs: 1_500 });
    const app = t;
    app.emulator.injectFault({ path: '/v1/profile', latencyMs: 20_000, times: Number.POSITIVE_INFINITY });
    const counter = () =>
      app.db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(WATCH_WAVIX_FAILURES_SETTING)
        ?.value;
    for (let run = 1; run <= 3; run++) {
      expect(readable((await runCommand(app, 'jobs run traffic-watch')).body)).toContain('time limit');
      // The run goes on past its limit until its Wavix calls are cancelled, then counts.
      await waitUntil(() => counter() === String(run), 10_000, `run ${run} to be counted`);
    }
    const unreachable = app.db
      .prepare<[string], { subject_key: string }>('SELECT subject_key FROM alerts WHERE rule = ?')
      .all(ALERT_RULE.wavixUnreachable);
    expect(unreachable).toEqual([{ subject_key: 'watch' }]);
  }, 60_000);
});
