import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { postSignedPayload } from '../helpers/signedPayload.js';
import { OUTSIDER, readable, runCommand, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';

// A member may send Slack a button press with any value (Slack signs whatever their client sends). Refused, it is
// recorded as pressed: a value of 100,000 characters must neither fill the audit nor freeze `/sms audit`, which
// everyone may run, and smsops with it.

let t: SmsopsUnderTest;
beforeAll(async () => {
  t = await startSmsopsUnderTest();
});
afterAll(async () => {
  await t.stop();
});

const HUGE = 'A'.repeat(100_000);
let presses = 0;
const forgedPress = (actionId: string, value: string) => {
  presses += 1;
  return {
    type: 'block_actions',
    team: { id: 'T1', domain: 'acme' },
    user: { id: OUTSIDER, username: 'mallory', team_id: 'T1' },
    api_app_id: 'A1',
    token: 'x',
    trigger_id: `trig-forged-${presses}`,
    response_url: `${t.fakeSlack.responseUrl}forged-${presses}`,
    container: { type: 'message', channel_id: 'D0MALLORY', message_ts: '1700000000.000100', is_ephemeral: true },
    channel: { id: 'D0MALLORY' },
    actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, action_ts: '1' }],
  };
};

const refusals = () =>
  t.db.prepare("SELECT action, target, params FROM audit_log WHERE actor = ? AND outcome = 'refused'").all(OUTSIDER) as Array<{
    action: string;
    target: string;
    params: string;
  }>;

describe('a forged button value of 100,000 characters', () => {
  it('is refused in words, and recorded in its first 200 characters', async () => {
    const values: Array<[string, string]> = [
      [ACTION.confirmReplay, JSON.stringify({ target: HUGE, seen: 'x', asked: 1 })],
      [ACTION.confirmForget, JSON.stringify({ number: '447400123456', seen: 'x', question: HUGE })],
      [ACTION.enableInbound, HUGE],
    ];
    for (const [actionId, value] of values) {
      expect((await postSignedPayload(t, forgedPress(actionId, value))).status).toBe(200);
      const answer = await waitUntil(
        () => t.fakeSlack.responses.find((r) => r.path.endsWith(`/forged-${presses}`)),
        10_000,
        `the answer to ${actionId}`,
      );
      expect(readable(answer.body)).toContain('Only the smsops admins');
    }
    const recorded = await waitUntil(() => (refusals().length === 3 ? refusals() : undefined), 5_000, 'three refusals');
    for (const entry of recorded) {
      expect(entry.target.length, entry.action).toBeLessThanOrEqual(200);
      expect(entry.params.length, entry.action).toBeLessThan(1_000);
    }
  });

  it('already in the audit (written by an earlier version), leaves `/sms audit` answering at once', async () => {
    t.db
      .prepare(
        "INSERT INTO audit_log (at, actor, action, target, params, outcome) VALUES (?, ?, 'relay.replay', ?, '{}', 'refused')",
      )
      .run(Date.now(), OUTSIDER, HUGE);
    const started = Date.now();
    const shown = await runCommand(t, 'audit', { userId: OUTSIDER });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(readable(shown.body)).toContain('relay.replay');
  });
});
