import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, postInbound, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

// A command that fails unexpectedly (a bug, a disk error) is logged: by what it is, never by what was typed. Typed,
// `/sms forget <number>` is a customer's number, and `/sms route set <number> <url>` a route URL's credentials.
const CUSTOMER = '447700900123';
const CUSTOMER_FORMS = [CUSTOMER, '7700900123', '7700 900123'];

let t: SmsopsUnderTest;

beforeEach(async () => {
  t = await startSmsopsUnderTest({ SLACK_RELAY_PACE_MS: '0' });
});

afterEach(async () => {
  await t.stop();
});

describe('a command that fails unexpectedly', () => {
  it('is logged as `run /sms forget`, without the customer’s number typed after it', async () => {
    expect((await postInbound(t, { from: CUSTOMER, text: 'hello' })).status).toBe(200);
    await t.fakeSlack.waitFor('chat.postMessage', 1);
    // A table the count reads is gone (a damaged or hand-edited database): the read throws, as a disk error would.
    t.db.exec('ALTER TABLE rejected_webhooks RENAME TO rejected_webhooks_gone');

    const answer = await runCommand(t, `forget +${CUSTOMER}`, { userId: ADMIN });
    expect(JSON.stringify(answer.body)).toContain('an internal error occurred');
    await waitUntil(() => t.logs.some((line) => line.includes('failed unexpectedly')), 5_000, 'the failure logged');

    const failure = t.logs.find((line) => line.includes('failed unexpectedly')) ?? '';
    expect(JSON.parse(failure)).toMatchObject({ level: 'error', msg: 'run /sms forget failed unexpectedly' });
    const logs = t.logs.join('\n');
    for (const form of CUSTOMER_FORMS) expect(logs).not.toContain(form);
  });
});
