import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION, ALERT_ACTION, CALLBACK, SENDER_ID_ACTION, SENDER_ID_BLOCK } from '../../src/slack/ids.js';
import { postSignedPayload } from '../helpers/signedPayload.js';
import { signSlackRequest } from '../helpers/slackRequests.js';
import {
  ADMIN,
  ALERT_CHANNEL,
  readable,
  SIGNING_SECRET,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';

// Signed payloads of shapes Slack does not send (a button value that is not text, a view without its state) and
// interaction types the manifest never asks for: each is answered, none crashes a listener or waits out Bolt's timer.

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

const base = () => ({
  team: { id: 'T1', domain: 'acme' },
  user: { id: ADMIN, username: 'alice', team_id: 'T1' },
  api_app_id: 'A1',
  token: 'x',
  trigger_id: `trig-${Math.random()}`,
});

const buttonPress = (actionId: string, value: unknown) => ({
  type: 'block_actions',
  ...base(),
  response_url: `${t.fakeSlack.responseUrl}damaged`,
  container: { type: 'message', channel_id: ALERT_CHANNEL, message_ts: '1.1' },
  channel: { id: ALERT_CHANNEL },
  actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, action_ts: '1' }],
});

const submission = (view: object) => ({
  type: 'view_submission',
  ...base(),
  view: {
    id: 'V9',
    callback_id: CALLBACK.senderIdCreate,
    type: 'modal',
    private_metadata: JSON.stringify({ channelId: ALERT_CHANNEL, type: 'alphanumeric' }),
    hash: 'h',
    ...view,
  },
});

const listenerFailures = () => t.logs.filter((l) => /Slack listener failed|not acknowledged|failed unexpectedly/.test(l));

describe('damaged interaction payloads', () => {
  it('answer a button whose value is not text as a damaged button', async () => {
    for (const actionId of [ACTION.enableInbound, ALERT_ACTION.acknowledge, ALERT_ACTION.unmute]) {
      const before = t.fakeSlack.responses.length;
      const response = await postSignedPayload(t, buttonPress(actionId, 14155550100));
      expect(response.status).toBe(200);
      const answers = await t.fakeSlack.waitForResponses(before + 1);
      expect(readable(answers[before]?.body), actionId).toContain('This button is damaged');
    }
    expect(listenerFailures()).toEqual([]);
  });

  it('answer a Sender ID form submitted without its state on the form’s fields', async () => {
    for (const view of [{}, { state: { values: null } }]) {
      const response = await postSignedPayload(t, submission(view));
      expect(response.status).toBe(200);
      expect(response.json.response_action).toBe('errors');
      expect(Object.keys(response.json.errors)).toContain(SENDER_ID_BLOCK.valueText);
    }
    expect(listenerFailures()).toEqual([]);
  });

  it('switch the form’s type from a view without its state, the fields left empty', async () => {
    const response = await postSignedPayload(t, {
      type: 'block_actions',
      ...base(),
      container: { type: 'view', view_id: 'V9' },
      view: { id: 'V9', callback_id: CALLBACK.senderIdCreate, private_metadata: '{}', hash: 'h' },
      actions: [
        {
          type: 'radio_buttons',
          action_id: SENDER_ID_ACTION.type,
          block_id: SENDER_ID_BLOCK.type,
          selected_option: { value: 'numeric' },
          action_ts: '1',
        },
      ],
    });
    expect(response.status).toBe(200);
    const [update] = await t.fakeSlack.waitFor('views.update');
    expect(JSON.parse(update?.args.view.private_metadata).type).toBe('numeric');
    expect(listenerFailures()).toEqual([]);
  });
});

describe('interactions the manifest does not use', () => {
  it('are acknowledged, and said once per type in the log', async () => {
    const closed = {
      type: 'view_closed',
      ...base(),
      view: { id: 'V9', callback_id: CALLBACK.senderIdCreate },
      is_cleared: false,
    };
    const shortcut = { type: 'shortcut', ...base(), callback_id: 'anything' };
    for (const payload of [closed, closed, shortcut]) {
      const response = await postSignedPayload(t, { ...payload, trigger_id: `trig-${Math.random()}` });
      expect(response.status).toBe(200);
    }
    const said = t.logs.filter((l) => l.includes('"level":"info"') && l.includes('an interaction smsops does not use'));
    expect(said).toHaveLength(2);
    expect(listenerFailures()).toEqual([]);
    expect(t.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });

  it('an action, a suggestion or a form smsops has no listener for (a renamed button, a link button) are acknowledged', async () => {
    const unknownButton = await postSignedPayload(t, buttonPress('old_removed_button', '1'));
    expect(unknownButton.status).toBe(200);
    const suggestion = await postSignedPayload(t, {
      type: 'block_suggestion',
      ...base(),
      action_id: 'not_ours',
      block_id: 'b',
      value: '41',
      view: { id: 'V9', callback_id: 'not_ours' },
    });
    expect(suggestion.status).toBe(200);
    expect(suggestion.json).toEqual({ options: [] });
    const form = await postSignedPayload(t, submission({ callback_id: 'not_ours', state: { values: {} } }));
    expect(form.status).toBe(200);
    expect(listenerFailures()).toEqual([]);
    expect(t.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });

  it("the Sender ID form's other inputs and suggestions of other fields are acknowledged, not left to Bolt's 3 s", async () => {
    const countries = await postSignedPayload(t, buttonPress(SENDER_ID_ACTION.countries, 'DE'));
    expect(countries.status).toBe(200);
    for (const [actionId, blockId] of [
      [ALERT_ACTION.acknowledge, 'b'],
      [SENDER_ID_ACTION.value, SENDER_ID_BLOCK.valueText],
    ]) {
      const suggestion = await postSignedPayload(t, {
        type: 'block_suggestion',
        ...base(),
        action_id: actionId,
        block_id: blockId,
        value: '41',
        view: { id: 'V9', callback_id: CALLBACK.senderIdCreate },
      });
      expect(suggestion.status).toBe(200);
      expect(suggestion.json).toEqual({ options: [] });
    }
    expect(listenerFailures()).toEqual([]);
    expect(t.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });
});

describe('signed payloads of a shape Slack never sends', () => {
  it('are refused 400 with the reason, where Bolt answered an empty 500', async () => {
    const cases: Array<[object, RegExp]> = [
      [{ ...submission({}), view: null }, /view_submission payload without its view/],
      [{ ...buttonPress(ACTION.confirmWebhook, '{}'), actions: true }, /block_actions payload without its actions/],
      [{ ...buttonPress(ACTION.confirmWebhook, '{}'), user: undefined }, /block_actions payload without its user/],
      [{}, /the payload has no type/],
    ];
    for (const [payload, reason] of cases) {
      const response = await postSignedPayload(t, payload);
      expect(response.status).toBe(400);
      expect(response.json).toMatchObject({ error: expect.stringMatching(reason) });
    }
    const event = JSON.stringify({ type: 'event_callback', team_id: 'T1', api_app_id: 'A1', event: true, event_id: 'Ev1' });
    const refused = await t.slack.raw(event, { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, event) });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ error: 'an event_callback without its event' });
    // Two `text` fields: parsed as a list, which the command's parser threw on after no ack.
    const twoTexts =
      'command=%2Fsms&text=help&text=inbox&user_id=U1&team_id=T1&channel_id=C1&response_url=http%3A%2F%2F127.0.0.1%3A9%2Fr';
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const command = await t.slack.raw(twoTexts, { ...form, ...signSlackRequest(SIGNING_SECRET, twoTexts) });
    expect(command.status).toBe(400);
    expect(command.json).toMatchObject({ error: 'a slash command whose text is not text' });
    expect(t.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
    expect(t.logs.filter((l) => l.includes('not of a shape Slack sends'))).toHaveLength(1);
  });

  it("Slack's app_rate_limited notice is answered at once and said in words, where it waited out Bolt's 3 s for a 404 and an error line", async () => {
    const notice = JSON.stringify({
      token: 'x',
      type: 'app_rate_limited',
      team_id: 'T1',
      minute_rate_limited: 1518467820,
      api_app_id: 'A1',
    });
    const answered = await t.slack.raw(notice, {
      'content-type': 'application/json',
      ...signSlackRequest(SIGNING_SECRET, notice),
    });
    expect(answered.status).toBe(200);
    expect(t.logs.filter((l) => l.includes('Slack is rate-limiting events to smsops'))).toHaveLength(1);
    expect(t.logs.filter((l) => l.includes('"level":"error"') || l.includes('not of a shape Slack sends'))).toEqual([]);
  });
});
