import { afterAll, beforeAll, expect, it } from 'vitest';
import { readable, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

// smsops answers `/sms` only. A command of another name reaching it (the app's command renamed because `/sms` was
// taken in the workspace, or a second one added in the app's settings) was never acknowledged: each use waited Bolt's
// 3 s, the person saw Slack's "dispatch_failed", and smsops wrote an error line that named nothing to fix.

let t: SmsopsUnderTest;
beforeAll(async () => {
  t = await startSmsopsUnderTest();
});
afterAll(async () => {
  await t.stop();
});

it('a command other than /sms is answered at once with its fix, and logged once a minute, not per use', async () => {
  const logsBefore = t.logs.length;
  const answers = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const shown = await t.slack.command('relay status', { command: '/smsops' });
    answers.push({ status: shown.status, took: performance.now() - started, text: readable(shown.json ?? shown.text) });
  }
  for (const answer of answers) {
    expect(answer.status).toBe(200);
    expect(answer.took).toBeLessThan(2_000); // before: 3 s each, then a 404 (Slack's "dispatch_failed")
    expect(answer.text).toContain('/sms');
    expect(answer.text).toContain('/smsops');
  }
  const lines = t.logs.slice(logsBefore).filter((line) => /command|acknowledged/i.test(line));
  expect(lines).toHaveLength(1); // before: an error line per use
  expect(lines[0]).toContain('/smsops');
});
