import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import {
  ADMIN,
  OUTSIDER,
  readable,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  stopCheckingSecrets,
} from '../helpers/smsopsUnderTest.js';

let t: SmsopsUnderTest;
beforeEach(async () => {
  t = await startSmsopsUnderTest();
});
afterEach(async () => {
  // No secret may reach Slack or the log, whatever the test did.
  await stopCheckingSecrets(t);
});

describe('/slack/events request verification', () => {
  it('refuses a request with a wrong signature, and one with a stale timestamp', async () => {
    const forged = await t.slack.command('help', {
      signature: 'v0=0000000000000000000000000000000000000000000000000000000000000000',
    });
    expect(forged.status).toBe(401);
    const stale = await t.slack.command('help', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    expect(t.fakeSlack.calls).toHaveLength(0);
    expect(t.fakeSlack.responses).toHaveLength(0);
  });
});

describe('/sms help and usage', () => {
  it('lists every command, ephemerally, in the ack itself', async () => {
    const { body, viaAck } = await runCommand(t, 'help');
    expect(viaAck).toBe(true);
    expect(body.response_type).toBe('ephemeral');
    const text = readable(body);
    for (const example of [
      '/sms senderid create',
      '/sms senderid list',
      '/sms number list',
      '/sms webhook set',
      '/sms route set',
      '/sms audit',
    ]) {
      expect(text).toContain(example);
    }
  });

  it('says a help topic is unknown, escaped, and lists the topics before the index', async () => {
    const { body } = await runCommand(t, 'help nonsense<!channel>');
    const text = readable(body);
    expect(text).toContain('No help topic "nonsense&lt;!channel&gt;"; topics: senderid, number, webhook');
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('/sms senderid create');
    expect(text).toContain('/sms audit');
  });

  it('answers an unknown or malformed command with what was wrong and the usage', async () => {
    const unknown = await runCommand(t, 'frobnicate now');
    expect(unknown.body.response_type).toBe('ephemeral');
    expect(readable(unknown.body)).toContain('`frobnicate` is not an /sms command');
    expect(readable(unknown.body)).toContain('/sms senderid create');

    const malformed = await runCommand(t, 'number enable-inbound');
    expect(readable(malformed.body)).toContain('Which number?');
    expect(readable(malformed.body)).toContain('/sms number enable-inbound +1 415 555 0100');
    expect(readable(malformed.body)).not.toContain('/sms route set');
  });
});

describe('/sms senderid list and status', () => {
  it('lists the Sender IDs on Wavix, also one created in the portal, with per-country status', async () => {
    const { body } = await runCommand(t, 'senderid list');
    const text = readable(body);
    expect(body.response_type).toBe('ephemeral');
    expect(text).toContain('*Wavix* · alphanumeric · created in the Wavix portal');
    expect(text).toMatch(/:white_check_mark: United Kingdom \(GB\): approved/);
  });

  it('shows one Sender ID by its text, and says so when none matches', async () => {
    expect(readable((await runCommand(t, 'senderid status wavix')).body)).toContain('United Kingdom (GB): approved');
    expect(readable((await runCommand(t, 'senderid status Nobody')).body)).toContain('No Sender ID matches "Nobody"');
  });

  it('shows the last known state, marked as such, when Wavix cannot be read', async () => {
    await runCommand(t, 'senderid list');
    t.emulator.injectFault({ path: '/v3/messages/sender-ids', status: 403, body: { success: false, message: 'Access denied' } });
    const text = readable((await runCommand(t, 'senderid list')).body);
    expect(text).toContain('last known state');
    expect(text).toContain('Access denied');
    expect(text).toContain('*Wavix*');
  });
});

describe('/sms number list', () => {
  it('shows each DID with country, SMS and inbound state, the effective webhook and the actions', async () => {
    const { body } = await runCommand(t, 'number list');
    const text = readable(body);
    expect(text).toContain('*+1 415 555 0100* (US) · Support line\ninbound SMS: active');
    expect(text).toContain('*+1 202 555 0143* (US)\ninbound SMS: *not active*');
    expect(text).toContain('*+44 20 7946 0000* (GB)\nSMS: off');
    expect(text).toContain('Account default inbound webhook*: _none_');
    const actions = body.blocks.filter((b: { type: string }) => b.type === 'actions');
    const enable = actions
      .flatMap((a: { elements: Array<{ action_id: string; value: string }> }) => a.elements)
      .filter((e: { action_id: string }) => e.action_id === ACTION.enableInbound);
    expect(enable.map((e: { value: string }) => e.value)).toEqual(['+12025550143']);
    const pointDefault = actions
      .flatMap((a: { elements: Array<{ action_id: string; value: string }> }) => a.elements)
      .filter((e: { action_id: string; value: string }) => e.action_id === ACTION.pointWebhookAtSmsops && e.value === 'default');
    expect(pointDefault).toHaveLength(1);
  });

  it('marks a number whose own webhook overrides the default and does not point at smsops', async () => {
    const number = t.emulator.state().numbers.find((n) => n.id === 101);
    if (!number) throw new Error('seed number 101 missing');
    number.sms_relay_url = 'https://pbx.example.com:8887/emc/Wavix%20-%20US/a558d635-66e0-4c64-9d3b-2f5c1e7a8b90';
    const text = readable((await runCommand(t, 'number list')).body);
    expect(text).toContain(
      'own webhook (overrides the default): `https://pbx.example.com:8887/emc/Wavix%20-%20US/a558…` :warning: *not smsops*',
    );
    expect(text).not.toContain('a558d635-66e0');
  });

  it('puts Wavix’s reason in words when Wavix fails, without a stack trace', async () => {
    t.emulator.injectFault({ path: '/v1/numbers', status: 401, body: { success: false, message: 'Unauthorized' } });
    const text = readable((await runCommand(t, 'number list')).body);
    expect(text).toContain('Could not list the numbers.');
    expect(text).toContain('Wavix refused the API key (401 Unauthorized)');
    expect(text).not.toMatch(/\bat \S+ \(|Error:|node_modules/);
  });
});

describe('/sms number enable-inbound', () => {
  it('activates inbound SMS on a US number typed in national form', async () => {
    const text = readable((await runCommand(t, 'number enable-inbound (202) 555-0143')).body);
    expect(text).toContain('Inbound SMS is now active on +1 202 555 0143');
    expect(t.emulator.state().numbers.find((n) => n.id === 102)?.sms_enabled).toBe(true);
  });

  it('refuses a number outside the US and Canada with the reason, before calling Wavix', async () => {
    const text = readable((await runCommand(t, 'number enable-inbound +44 20 7946 0000')).body);
    expect(text).toContain('Wavix activates inbound SMS on US and Canadian numbers only');
    expect(t.emulator.requests().filter((r) => r.method === 'PATCH')).toHaveLength(0);
  });

  it('refuses a number that is not on the account, and one that is not a number', async () => {
    expect(readable((await runCommand(t, 'number enable-inbound +1 415 555 0199')).body)).toContain(
      'is not a number of this Wavix account',
    );
    expect(readable((await runCommand(t, 'number enable-inbound call-me')).body)).toContain('is not a phone number');
  });

  it('refuses a non-admin, says why, and records the refusal', async () => {
    const text = readable((await runCommand(t, 'number enable-inbound +12025550143', { userId: OUTSIDER })).body);
    expect(text).toContain('Only the smsops admins');
    expect(t.emulator.state().numbers.find((n) => n.id === 102)?.sms_enabled).toBe(false);
    const audit = readable((await runCommand(t, 'audit')).body);
    expect(audit).toContain(`<@${OUTSIDER}> \`number.enable-inbound\` \`+12025550143\`: refused`);
  });

  it('works from the button of the number list', async () => {
    const before = t.fakeSlack.responses.length;
    const response = await t.slack.blockAction({ actionId: ACTION.enableInbound, value: '+12025550143', userId: ADMIN });
    expect(response.status).toBe(200);
    const reply = (await t.fakeSlack.waitForResponses(before + 1))[before];
    expect(readable(reply?.body)).toContain('Inbound SMS is now active on +1 202 555 0143');
  });
});

describe('a Wavix answer smsops does not understand', () => {
  it('is told in words and logged as an error', async () => {
    t.emulator.injectFault({ path: '/v1/numbers', status: 200, body: { unexpected: true } });
    const text = readable((await runCommand(t, 'number list')).body);
    expect(text).toContain('in a shape smsops does not understand');
    expect(t.logs.some((line) => line.includes('"level":"error"') && line.includes('number list failed'))).toBe(true);
  });
});

describe('setup buttons that lost their value (edited or forged)', () => {
  it('are answered with what to run again, not met with silence', async () => {
    const buttons = [
      [ACTION.enableInbound, '/sms number list'],
      [ACTION.pointWebhookAtSmsops, '/sms number list'],
      [ACTION.usePortsipRoute, '/sms portsip'],
    ] as const;
    for (const [actionId, command] of buttons)
      for (const value of [undefined, '']) {
        const before = t.fakeSlack.responses.length;
        const response = await t.slack.blockAction({ actionId, ...(value === undefined ? {} : { value }), userId: ADMIN });
        expect(response.status).toBe(200);
        const all = await t.fakeSlack.waitForResponses(before + 1);
        const answer = readable(all[before]?.body);
        expect(answer, `${actionId} ${JSON.stringify(value)}`).toContain('This button is damaged');
        expect(answer, actionId).toContain(command);
      }
    expect(t.emulator.requests().filter((r) => r.method !== 'GET')).toHaveLength(0);
  });
});
