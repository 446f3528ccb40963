import { afterAll, beforeAll, expect, it } from 'vitest';
import { OUTSIDER, readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

// Any member may type `/sms` with as many words as Slack takes; reading them must not hold smsops' one thread (which
// answers Wavix's webhooks and relays the SMS) before the command is even refused.

let t: SmsopsUnderTest;
beforeAll(async () => {
  t = await startSmsopsUnderTest();
});
afterAll(async () => {
  await t.stop();
});

it('`/sms doctor ignore` followed by 25,000 number-like words is answered at once', async () => {
  const started = performance.now();
  const shown = await runCommand(t, `doctor ignore ${'1 '.repeat(25_000)}`, { userId: OUTSIDER });
  const took = performance.now() - started;
  expect(shown.status).toBe(200);
  expect(readable(shown.body).length).toBeGreaterThan(0);
  expect(took).toBeLessThan(1_500);
});
