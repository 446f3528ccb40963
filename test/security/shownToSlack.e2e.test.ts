import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import {
  ADMIN,
  ALERT_CHANNEL,
  readable,
  runCommand,
  type SmsopsUnderTest,
  slackTraffic,
  startSmsopsUnderTest,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

let t: SmsopsUnderTest;
let sink: WebhookSink | undefined;

afterEach(async () => {
  await t.stop();
  await sink?.close();
  sink = undefined;
});

const UUID = '0d3c9a7e-5b1f-4c2d-9e8f-1a2b3c4d5e6f';

describe('credentials in URLs', () => {
  it('never shows a route’s user, password or token: route set, route list, doctor, App Home', async () => {
    t = await startSmsopsUnderTest();
    const shapes = [
      ['default', `https://admin:hunter2@pbx.example.com:8887/emc/Wavix - US/${UUID}/`],
      ['+14155550100', 'https://pbx.example.com/emc/sms/abc.tok3n.s3cr3tpart'],
      ['+14155550101', 'https://pbx.example.com/emc/sms?token=letmein42&sig=zz'],
    ] as const;
    const forbidden = ['hunter2', 'admin:', UUID.slice(4), 'tok3n.s3cr3tpart', 'letmein42'];
    const replies: string[] = [];
    for (const [number, url] of shapes) replies.push(readable((await runCommand(t, `route set ${number} ${url}`)).body));
    replies.push(readable((await runCommand(t, 'route list')).body));
    replies.push(readable((await runCommand(t, 'doctor')).body));
    await t.slack.event({ type: 'app_home_opened', user: ADMIN, channel: 'D0HOME0001', tab: 'home' });
    const [, home] = await t.fakeSlack.waitFor('views.publish', 2);
    replies.push(readable(home?.args.view));

    expect(replies[3]).toContain('pbx.example.com:8887/emc/Wavix - US/0d3c…');
    expect(replies[5]).toContain('pbx.example.com');
    for (const reply of replies) for (const secret of forbidden) expect(reply).not.toContain(secret);
    for (const secret of forbidden) expect(slackTraffic(t)).not.toContain(secret);
    for (const secret of [...forbidden, WEBHOOK_SECRET]) expect(t.logs.join('\n')).not.toContain(secret);
  });

  it('masks a malformed URL echoed back in an error', async () => {
    t = await startSmsopsUnderTest();
    const reply = readable((await runCommand(t, 'route set default ftp://admin:hunter2@pbx/x')).body);
    expect(reply).toContain('is not an http(s) URL');
    expect(reply).not.toContain('hunter2');
  });
});

describe('webhook set confirmations', () => {
  it('shows the URL it replaces masked, carries no credential in the button, and still applies when confirmed', async () => {
    t = await startSmsopsUnderTest();
    t.emulator.state().profile.sms_relay_url = `https://admin:hunter2@pbx.example.com:8887/emc/Wavix%20-%20US/${UUID}`;
    const { body } = await runCommand(t, 'webhook set');
    expect(readable(body)).toContain('`https://…@pbx.example.com:8887/emc/Wavix%20-%20US/0d3c…`');
    for (const secret of ['hunter2', UUID.slice(4)]) expect(slackTraffic(t)).not.toContain(secret);
    // biome-ignore lint/suspicious/noExplicitAny: a Block Kit message asserted structurally
    const replace = body.blocks.flatMap((b: any) => b.elements ?? []).find((e: any) => e.action_id === ACTION.confirmWebhook);
    const before = t.fakeSlack.responses.length;
    await t.slack.blockAction({ actionId: ACTION.confirmWebhook, value: replace.value, userId: ADMIN });
    const reply = (await t.fakeSlack.waitForResponses(before + 1))[before];
    expect(readable(reply?.body)).toContain('updated on Wavix');
    expect(t.emulator.state().profile.sms_relay_url).toContain('/webhooks/wavix/inbound/');
  });
});

describe('words of a destination reaching Slack', () => {
  it('keeps PortSIP’s answer out of the dead-letter alert, its fallback text included', async () => {
    sink = await startWebhookSink();
    t = await startSmsopsUnderTest({
      PORTSIP_WEBHOOK_URL: `${sink.url}/emc/Wavix - US/${UUID}`,
      RELAY_RETRY_BASE_MS: '20',
      SLACK_RELAY_PACE_MS: '0',
      RELAY_DEAD_AFTER_HOURS: '0.0001',
    });
    sink.respondWith(500, 'Oops <!channel> <@U123> <https://evil.example|bank> & *bold*');
    const response = await fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        message_id: 'dead-escape-1',
        message_type: 'sms',
        from: '447400123456',
        to: '14155550100',
        message_body: { text: 'hi', media: null },
        received_at: '2026-11-25T10:00:00.000Z',
      }),
    });
    expect(response.status).toBe(200);
    const alert = await waitUntil(
      () =>
        t.fakeSlack
          .callsTo('chat.postMessage')
          .find((c) => c.args.channel === ALERT_CHANNEL && String(c.args.text).includes('dead letters')),
      8000,
      'the dead-letter alert',
    );
    const shown = readable({ text: alert.args.text, blocks: alert.args.blocks });
    for (const raw of ['<!channel>', '<@U123>', '<https://evil.example|bank>']) expect(shown).not.toContain(raw);
    // The alert channel is readable by every member: it names the status, never the destination's words.
    expect(String(alert.args.text)).toContain('HTTP 500');
    expect(shown).not.toContain('evil.example');
    expect(shown).not.toContain(UUID.slice(4));
  });
});
