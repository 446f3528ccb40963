import { afterEach, describe, expect, it } from 'vitest';
import { readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe('/sms jobs on the reply-lookups job, which records no run for a minute with nothing to look up', () => {
  it('says why an every-minute job shows "never run yet" (or a last run hours old): not a stuck scheduler', async () => {
    t = await startSmsopsUnderTest();
    const answer = readable((await runCommand(t, 'jobs')).body);
    const block = answer.slice(
      answer.indexOf('reply-lookups'),
      answer.indexOf('\n', answer.indexOf('never run yet', answer.indexOf('reply-lookups'))),
    );
    expect(block).toContain('`* * * * *`');
    expect(block).toContain('never run yet');
    expect(block).toContain('A minute with no reply to look up is neither run nor recorded');
  });
});
