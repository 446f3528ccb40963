import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signSlackRequest } from '../helpers/slackRequests.js';
import { ADMIN, SIGNING_SECRET, type SmsopsUnderTest, startSmsopsUnderTest } from '../helpers/smsopsUnderTest.js';

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

const FORM = 'application/x-www-form-urlencoded';

function commandBody(text: string, n: number) {
  return new URLSearchParams({
    token: 'x',
    team_id: 'T1',
    team_domain: 'acme',
    channel_id: 'C0ALERTS01',
    channel_name: 'ops',
    user_id: ADMIN,
    user_name: 'alice',
    command: '/sms',
    text,
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: `${t.fakeSlack.responseUrl}replay-${n}`,
    trigger_id: `trig-replay-${n}`,
  }).toString();
}

const routeChanges = () =>
  (t.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action LIKE 'route%'").get() as { n: number }).n;

describe('replayed Slack requests', () => {
  it('answers 401 to a second copy of a signed command and runs the command once', async () => {
    const body = commandBody('route set default https://pbx.example.com/emc/Wavix/ffff0000-1111-2222-3333-444455556666', 1);
    const signedAt = Math.floor(Date.now() / 1000) - 10;
    const headers = { 'content-type': FORM, ...signSlackRequest(SIGNING_SECRET, body, signedAt) };
    const first = await t.slack.raw(body, headers);
    expect(first.status).toBe(200);
    await t.fakeSlack.waitForResponses(1);
    const again = await t.slack.raw(body, headers);
    expect(again.status).toBe(401);
    // Dressed up as a Slack retry: commands are never retried by Slack, so still a replay.
    expect((await t.slack.raw(body, { ...headers, 'x-slack-retry-num': '1' })).status).toBe(401);
    expect(routeChanges()).toBe(1);
    expect(t.logs.some((line) => line.includes('replayed Slack request refused'))).toBe(true);

    // The same command signed anew (a new timestamp, as a person typing it again) is not a replay.
    const fresh = signSlackRequest(SIGNING_SECRET, body, signedAt + 1);
    expect((await t.slack.raw(body, { 'content-type': FORM, ...fresh })).status).toBe(200);
  });

  it('still gives Bolt’s 401 to a bad signature and a stale timestamp, and accepts unrelated requests', async () => {
    const body = commandBody('help', 2);
    expect((await t.slack.raw(body, { 'content-type': FORM, ...signSlackRequest('wrong-secret', body) })).status).toBe(401);
    const stale = signSlackRequest(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) - 6 * 60);
    expect((await t.slack.raw(body, { 'content-type': FORM, ...stale })).status).toBe(401);
    const ahead = signSlackRequest(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) + 10 * 60);
    expect((await t.slack.raw(body, { 'content-type': FORM, ...ahead })).status).toBe(401);
    expect((await t.slack.command('help')).status).toBe(200);
    expect((await t.slack.command('help')).status).toBe(200);
  });

  it('takes an event once: a copy is 401, a Slack retry (re-signed or not, any retry number) is acknowledged and not processed again', async () => {
    const event = (eventId: string) =>
      JSON.stringify({
        token: 'x',
        team_id: 'T1',
        api_app_id: 'A1',
        type: 'event_callback',
        event_id: eventId,
        event_time: Math.floor(Date.now() / 1000),
        event: { type: 'app_home_opened', user: ADMIN, channel: 'D0HOME0001', tab: 'home' },
      });
    const body = event('EvReplay1');
    const headers = { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, body) };
    expect((await t.slack.raw(body, headers)).status).toBe(200);
    expect((await t.slack.raw(body, headers)).status).toBe(401);
    for (const retryNum of ['1', '2', '3', '4', '17', '01']) {
      const retry = { ...headers, 'x-slack-retry-num': retryNum, 'x-slack-retry-reason': 'http_timeout' };
      const answer = await t.slack.raw(body, retry);
      expect(answer.status, retryNum).toBe(200);
      expect(answer.headers.get('x-slack-no-retry')).toBe('1');
    }
    // Re-signed a second later (Slack's retries most likely are): still the same event.
    const aSecondLater = Number(headers['x-slack-request-timestamp']) + 1;
    const resigned = { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, body, aSecondLater) };
    expect((await t.slack.raw(body, { ...resigned, 'x-slack-retry-num': '1' })).status).toBe(200);
    expect((await t.slack.raw(body, resigned)).status).toBe(401);

    // Another event is processed: once it is, the copies above have had every chance to be processed too.
    const other = event('EvReplay2');
    expect(
      (await t.slack.raw(other, { 'content-type': 'application/json', ...signSlackRequest(SIGNING_SECRET, other) })).status,
    ).toBe(200);
    await t.fakeSlack.waitFor('views.publish', 2);
    expect(t.fakeSlack.callsTo('views.publish')).toHaveLength(2);
  });
});
