import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

/**
 * smsops' host clock 10 minutes off (a VM without NTP, a restored snapshot): Slack's own requests, correctly signed,
 * all look stale. A probe (faketime +10m on the real process) found every command, button and thread reply refused 401
 * with no log line at all while /healthz said ok: a thread reply's SMS never went out and nobody could tell why.
 */

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

const clockLines = () => t.logs.filter((line) => line.includes('off this host’s clock'));
/** A /sms help signed at `seconds` from now; `forged`: with a well-formed but wrong signature, as anyone could send. */
const helpSignedAt = (seconds: number, forged = false) =>
  t.slack.command('help', {
    timestamp: Math.floor(Date.now() / 1000) + seconds,
    ...(forged ? { signature: `v0=${'0'.repeat(64)}` } : {}),
  });

describe('Slack requests signed 10 minutes away from smsops’ clock', () => {
  it('are refused, and the log says the clock is off and by how much (once a minute), for signed ones only', async () => {
    const forged = [];
    for (let i = 0; i < 20; i++) forged.push((await helpSignedAt(-600, true)).status);
    expect(new Set(forged)).toEqual(new Set([401]));
    // Anyone can send a stale forgery: it must not make smsops blame its clock.
    expect(clockLines()).toEqual([]);

    for (let i = 0; i < 5; i++) expect((await helpSignedAt(-600)).status).toBe(401);
    expect((await helpSignedAt(600)).status).toBe(401);

    const lines = clockLines();
    expect(lines).toHaveLength(1);
    const offSeconds = (JSON.parse(lines[0] ?? '{}') as { offSeconds?: number }).offSeconds ?? 0;
    expect(offSeconds).toBeGreaterThanOrEqual(599);
    expect(offSeconds).toBeLessThanOrEqual(610);

    // 4 min 59 s old is still in Slack's window: taken.
    expect((await helpSignedAt(-299)).status).toBe(200);
  });
});
