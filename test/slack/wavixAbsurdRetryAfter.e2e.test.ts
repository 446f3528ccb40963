import { describe, expect, it } from 'vitest';
import { ADMIN, readable, runCommand, type SmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { useSmsops } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';

/**
 * Wavix (or a proxy in front of it) answering a Retry-After of 10^17 seconds: smsops gives up at once, as for any
 * wait too long to take, and the words people read said "Wavix asks to wait 1157407407407407 d".
 */

const rig = useSmsops();
let t: SmsopsUnderTest | undefined;
const ABSURD_SECONDS = 1e17;

describe('an absurd Retry-After from Wavix', () => {
  it('is said as "more than a day" in an answer', async () => {
    t = await rig.start();
    t.emulator.injectFault({ path: '/v1/numbers', status: 429, retryAfterSeconds: ABSURD_SECONDS, times: 10 });
    const text = readable((await runCommand(t, 'number list', { userId: ADMIN })).body);
    expect(text).toContain('Wavix asks to wait more than a day before trying again');
    expect(text).not.toMatch(/\d{4,} d\b/);
  });

  it('is said as "more than a day" in the doctor report', async () => {
    t = await rig.start();
    t.emulator.injectFault({ path: '/v1/profile', status: 429, retryAfterSeconds: ABSURD_SECONDS, times: 10 });
    const under = t;
    await under.slack.command('doctor', { userId: ADMIN });
    const report = await waitUntil(
      () => under.fakeSlack.responses.map((r) => readable(r.body)).find((text) => text.includes('Wavix API key')),
      20_000,
      'the doctor report',
    );
    expect(report).toContain('Wavix rate-limited these checks (429, retry after more than a day)');
    expect(report).not.toMatch(/\d{4,} d\b/);
  });
});
