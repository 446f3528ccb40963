import { type SlackTestResponse, signSlackRequest } from './slackRequests.js';
import { SIGNING_SECRET, type SmsopsUnderTest } from './smsopsUnderTest.js';

/**
 * Posts an interaction payload exactly as given, signed as Slack signs it: for the shapes the test client does not
 * build (the App Home's, with no response_url and no channel) and for damaged ones Slack itself would not send.
 */
export function postSignedPayload(t: Pick<SmsopsUnderTest, 'slack'>, payload: object): Promise<SlackTestResponse> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return t.slack.raw(body, { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SIGNING_SECRET, body) });
}

let counter = 0;

/** A button pressed on the App Home tab, as Slack sends it: a view container, no response_url, no channel. */
export function homeButtonPayload(userId: string, actionId: string, value = 'home'): object {
  counter += 1;
  return {
    type: 'block_actions',
    team: { id: 'T1', domain: 'acme' },
    user: { id: userId, username: 'alice', team_id: 'T1' },
    api_app_id: 'A1',
    token: 'x',
    trigger_id: `trig-home-${counter}-${Date.now()}`,
    container: { type: 'view', view_id: 'VHOME1' },
    view: {
      id: 'VHOME1',
      type: 'home',
      callback_id: '',
      private_metadata: '',
      state: { values: {} },
      hash: 'h',
      team_id: 'T1',
      app_id: 'A1',
      bot_id: 'B1',
    },
    actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, action_ts: `${Date.now() / 1000}` }],
  };
}
