import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN,
  ALERT_CHANNEL,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
} from '../helpers/smsopsUnderTest.js';

/**
 * An alert channel whose posts Slack refuses for a reason the operator can fix: chat:write taken from the app
 * (missing_scope, Slack naming the scope) or a workspace setting (restricted_action). /healthz and `/sms jobs run` said
 * "Slack refused the message", which names neither.
 */

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  await t.stop();
});

const alertsLine = async () => ((await (await fetch(`${t.smsops.url}/healthz`)).json()) as { alerts: string }).alerts;

describe('an alert Slack refuses for a scope or a workspace setting', () => {
  it('names the missing scope, then the workspace setting, in /healthz and the job’s answer', async () => {
    t.fakeSlack.handle('chat.postMessage', (call) =>
      call.args.channel === ALERT_CHANNEL
        ? { ok: false, error: 'missing_scope', needed: 'chat:write', provided: 'commands,users:read' }
        : { ts: t.fakeSlack.nextTs() },
    );
    await runCommand(t, 'alerts set balance_usd 1000', { userId: ADMIN });
    const answer = readable((await runCommand(t, 'jobs run traffic-watch')).body);
    expect(answer).toContain('the bot token lacks the scope chat:write (missing_scope)');
    expect(await alertsLine()).toContain('lacks the scope chat:write (missing_scope): add it to the app');

    t.fakeSlack.handle('chat.postMessage', (call) =>
      call.args.channel === ALERT_CHANNEL ? { ok: false, error: 'restricted_action' } : { ts: t.fakeSlack.nextTs() },
    );
    readable((await runCommand(t, 'jobs run traffic-watch')).body);
    expect(await alertsLine()).toContain('a workspace setting forbids the bot to post in the alert channel');
  });
});
