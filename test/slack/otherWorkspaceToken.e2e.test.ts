import { afterEach, describe, expect, it } from 'vitest';
import { ALERT_ACTION } from '../../src/slack/ids.js';
import { signSlackRequest } from '../helpers/slackRequests.js';
import {
  ADMIN,
  readable,
  SIGNING_SECRET,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';
import { sleep, waitUntil } from '../helpers/waitUntil.js';

/**
 * SLACK_BOT_TOKEN copied from another workspace than the one whose people use the app (the same app installed in
 * two: one signing secret, so their requests pass). Before, `/sms help` was answered, every channel smsops looked at
 * was "not found" and its doctor failed six checks without naming the cause. Real app and Bolt receiver, signed
 * requests from workspace T1, the fake Slack's auth.test naming the token's own workspace.
 */

let t: SmsopsUnderTest | undefined;
afterEach(async () => {
  if (t) await stopCheckingSecrets(t);
  t = undefined;
});

const OTHER = { team: 'globex', team_id: 'T2OTHER', user_id: 'UBOT', bot_id: 'B1', user: 'smsops' };
const tokenLines = (s: SmsopsUnderTest) => s.logs.filter((line) => line.includes('but SLACK_BOT_TOKEN belongs to workspace'));

describe('a bot token from another workspace', () => {
  it('tells the person who runs /sms, in words, and the log once', async () => {
    t = await startSmsopsUnderTest();
    t.fakeSlack.handle('auth.test', () => OTHER);

    // The first request comes before auth.test answered: handled as before, then told through its response_url.
    const first = await t.slack.command('help');
    expect(first.status).toBe(200);
    const [late] = await t.fakeSlack.waitForResponses(1);
    expect(readable(late?.body)).toContain('its bot token (SLACK_BOT_TOKEN) belongs to another workspace, "globex" (T2OTHER)');
    expect(late?.body).toMatchObject({ response_type: 'ephemeral' });

    // Once known, a command is answered with it in its acknowledgement, and not run.
    const second = await t.slack.command('audit');
    expect(second.status).toBe(200);
    expect(readable(second.json)).toContain('smsops cannot work in this Slack workspace (T1)');
    expect(readable(second.json)).not.toContain('No changes recorded');
    expect(tokenLines(t)).toHaveLength(1);
    expect(t.fakeSlack.callsTo('auth.test')).toHaveLength(1);
  });

  it('answers a button pressed there through its response_url, without running it', async () => {
    t = await startSmsopsUnderTest();
    t.fakeSlack.handle('auth.test', () => OTHER);
    await t.slack.command('help');
    // auth.test answered, and the first request told so late.
    await t.fakeSlack.waitForResponses(1);
    const before = t.fakeSlack.responses.length;
    const press = await t.slack.blockAction({ actionId: ALERT_ACTION.acknowledge, value: 'relay_backlog', userId: ADMIN });
    expect(press.status).toBe(200);
    const answers = await t.fakeSlack.waitForResponses(before + 1);
    expect(readable(answers[before]?.body)).toContain('belongs to another workspace');
    // The press itself is not handled: nothing more comes (its listener answers through the same URL).
    await sleep(500);
    expect(t.fakeSlack.responses.slice(before)).toHaveLength(1);
  });

  it('lets an Enterprise Grid organisation’s other workspaces in (an org-wide install)', async () => {
    t = await startSmsopsUnderTest();
    t.fakeSlack.handle('auth.test', () => ({ ...OTHER, enterprise_id: 'E0ORG', is_enterprise_install: true }));
    const command = (n: number) => {
      const body = new URLSearchParams({
        token: 'x',
        team_id: 'T1',
        enterprise_id: 'E0ORG',
        channel_id: 'C0ALERTS01',
        user_id: ADMIN,
        command: '/sms',
        text: 'help',
        api_app_id: 'A1',
        is_enterprise_install: 'true',
        response_url: `${t?.fakeSlack.responseUrl}grid-${n}`,
        trigger_id: `trig-grid-${n}`,
      }).toString();
      return t?.slack.raw(body, {
        'content-type': 'application/x-www-form-urlencoded',
        ...signSlackRequest(SIGNING_SECRET, body),
      });
    };
    expect((await command(1))?.status).toBe(200);
    await t.fakeSlack.waitFor('auth.test', 1);
    await waitUntil(async () => t?.fakeSlack.callsTo('auth.test')[0]?.result !== undefined, 5_000, 'auth.test answered');
    const answer = await command(2);
    expect(readable(answer?.json)).toContain('/sms');
    expect(readable(answer?.json)).not.toContain('another workspace');
    expect(tokenLines(t)).toEqual([]);
    expect(t.fakeSlack.responses.map((r) => readable(r.body)).join('\n')).not.toContain('another workspace');
  });
});
