import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION, DOCTOR_ACTION } from '../../src/slack/ids.js';
import { postSignedPayload } from '../helpers/signedPayload.js';
import { ALERT_CHANNEL, OUTSIDER, readable, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

// A member can send Slack a press of any action id on any message they see (the payload is theirs; Slack signs it). A
// confirmation's or report's button pressed on an alert's post (a message the whole channel sees) must not make smsops
// replace that post: its answer goes to the presser alone, the alert and its buttons stay.

let t: SmsopsUnderTest;
beforeAll(async () => {
  t = await startSmsopsUnderTest();
});
afterAll(async () => {
  await t.stop();
});

let presses = 0;
const press = (actionId: string, value: string, isEphemeral: boolean) => {
  presses += 1;
  return {
    type: 'block_actions',
    team: { id: 'T1', domain: 'acme' },
    user: { id: OUTSIDER, username: 'mallory', team_id: 'T1' },
    api_app_id: 'A1',
    token: 'x',
    trigger_id: `trig-shared-${presses}`,
    response_url: `${t.fakeSlack.responseUrl}shared-${presses}`,
    container: { type: 'message', channel_id: ALERT_CHANNEL, message_ts: '1700000000.000100', is_ephemeral: isEphemeral },
    channel: { id: ALERT_CHANNEL },
    actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, action_ts: '1' }],
  };
};

const answerTo = async (payload: ReturnType<typeof press>) => {
  const response = await postSignedPayload(t, payload);
  expect(response.status).toBe(200);
  const path = `/shared-${presses}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = t.fakeSlack.responses.find((r) => r.path.endsWith(path));
    if (answer) return answer.body;
    if (Date.now() > deadline) throw new Error(`no answer to ${payload.actions[0]?.action_id}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

const sharedPresses: Array<[string, string]> = [
  [ACTION.cancelWebhook, 'x'],
  [ACTION.cancelReplay, 'x'],
  [ACTION.cancelForget, 'x'],
  [ACTION.confirmWebhook, 'damaged'],
  [ACTION.confirmReplay, JSON.stringify({ target: 'Handled: call +1 900 555 0100 to confirm' })],
  [ACTION.confirmReplay, JSON.stringify({ target: 'm1', seen: 'x', asked: 1 })],
  [ACTION.confirmForget, JSON.stringify({ number: '447400123456', seen: 'x', question: 'q' })],
  [DOCTOR_ACTION.ignoreNumber, '14155550100'],
];

describe('a confirmation or report button pressed on a message the whole channel sees', () => {
  it.each(sharedPresses)('%s answers the presser alone, the shared post left as it is', async (actionId, value) => {
    const answer = await answerTo(press(actionId, value, false));
    expect(answer.replace_original).toBe(false);
    expect(answer.response_type).toBe('ephemeral');
    expect(readable(answer).length).toBeGreaterThan(0);
  });

  it('still replaces the person’s own ephemeral confirmation when pressed there', async () => {
    const answer = await answerTo(press(ACTION.cancelWebhook, 'x', true));
    expect(answer.replace_original).toBe(true);
    expect(readable(answer)).toContain('Cancelled; the webhook was not changed.');
  });
});
