import { afterEach, describe, expect, it } from 'vitest';
import { formattedTexts, literalTexts } from '../helpers/slackText.js';
import {
  ADMIN,
  OUTSIDER,
  runCommand,
  type SmsopsUnderTest,
  startSmsopsUnderTest,
  WEBHOOK_SECRET,
} from '../helpers/smsopsUnderTest.js';
import { waitUntil } from '../helpers/waitUntil.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/**
 * Acceptance of issue 15 (acc15): defects found by running smsops with hostile input. Each test here failed on main
 * at da7aa91 when written.
 */
let t: SmsopsUnderTest | undefined;
let pbx: WebhookSink | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
  await pbx?.close();
  pbx = undefined;
});

const PING = /<!channel>|<!here>|<@U0EVIL>/;

describe('acc15 defects, relayed SMS', () => {
  it('DEFECT acc15-4: an SMS with a lone surrogate is shown the same in its first post and in the post edited after delivery', async () => {
    pbx = await startWebhookSink();
    t = await startSmsopsUnderTest({ SLACK_RELAY_PACE_MS: '0', PORTSIP_WEBHOOK_URL: `${pbx.url}/emc/wavix` });
    const response = await fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // A UCS-2 SMS whose emoji was split across two segments arrives with half a surrogate pair.
      body: '{"message_id":"acc15-lone","message_type":"sms","from":"447400123456","to":"14155550100","message_body":{"text":"half \\ud83d here","media":null},"received_at":"2026-11-25T10:00:00.000Z"}',
    });
    expect(response.status).toBe(200);
    const smsCalls = () =>
      (t?.fakeSlack.calls ?? []).filter(
        (c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && literalTexts(c.args.blocks).length > 0,
      );
    // The post is edited once PortSIP has taken the SMS.
    await waitUntil(() => smsCalls().length >= 2, 8000, 'the SMS posted and its post edited');
    const shown = smsCalls().map((c) => literalTexts(c.args.blocks).join(''));
    expect(new Set(shown).size, JSON.stringify(shown)).toBe(1);
    // And what smsops stored is what it showed first (SQLite stores a lone surrogate as 3 bytes read back as 3 U+FFFD).
    const stored = t.db.prepare("SELECT text FROM inbound_messages WHERE wavix_message_id = 'acc15-lone'").pluck().get();
    expect(stored).toBe(shown[0]);
  });
});

describe('acc15 defects, doctor ignore reasons', () => {
  it('DEFECT acc15-5: a reason cut at 200 characters is not cut inside an emoji (no lone surrogate stored, no U+FFFD shown)', async () => {
    t = await startSmsopsUnderTest();
    // 'x' then emoji: the 200th UTF-16 unit is the first half of an emoji.
    const reason = `x${'😀'.repeat(150)}`;
    await runCommand(t, `doctor ignore +12025550143 ${reason}`, { userId: ADMIN });
    const { body } = await runCommand(t, 'doctor ignored', { userId: ADMIN });
    const shown = formattedTexts(body.blocks).join('\n');
    expect(shown).toContain('x😀😀');
    expect(shown).not.toContain('\uFFFD');
    const stored = String(t.db.prepare('SELECT reason FROM doctor_ignored_numbers').pluck().get());
    expect(stored).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|\uFFFD/);
  });
});
