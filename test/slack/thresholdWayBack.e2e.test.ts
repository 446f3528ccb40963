import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

/**
 * A tired admin switches off the wrong alert rule (or types a threshold wrong): the answer must say what it was, with
 * the command that puts it back, and `/sms audit` the value before and after (it said "alerts.set failure_rate: ok").
 */
let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

describe('an alert threshold changed by mistake', () => {
  it('names what it was and the command back, and audits before and after', async () => {
    await runCommand(t, 'alerts set failure_rate 12');
    const off = readable((await runCommand(t, 'alerts set failure_rate off')).body);
    expect(off).toContain('It was *12 %*. To put it back: `/sms alerts set failure_rate 12`');
    const back = readable((await runCommand(t, 'alerts set failure_rate 12')).body);
    expect(back).toContain('It was *off*. To put it back: `/sms alerts set failure_rate off`');
    const audit = readable((await runCommand(t, 'audit 3')).body);
    expect(audit).toContain('`alerts.set` `failure_rate`: ok — `off` → `12`');
    expect(audit).toContain('`alerts.set` `failure_rate`: ok — `12` → `off`');
  });
});
