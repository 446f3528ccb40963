import { describe, expect, it } from 'vitest';
import { literalTexts } from '../helpers/slackText.js';
import { WEBHOOK_SECRET } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';

const rig = useSmsopsWithSink({ portsipPath: '/emc/wavix', checkSecrets: false });

describe('an inbound SMS with a lone surrogate', () => {
  it('is shown the same in its first post and in the post edited after delivery, and relayed to PortSIP byte for byte', async () => {
    const { t, sink: pbx } = await rig.start({ SLACK_RELAY_PACE_MS: '0' });
    // A UCS-2 SMS whose emoji was split across two segments arrives with half a surrogate pair.
    const sent =
      '{"message_id":"lone-half","message_type":"sms","from":"447400123456","to":"14155550100","message_body":{"text":"half \\ud83d here","media":null},"received_at":"2026-11-25T10:00:00.000Z"}';
    const response = await fetch(`${t.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: sent,
    });
    expect(response.status).toBe(200);
    const smsCalls = () =>
      t.fakeSlack.calls.filter(
        (c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && literalTexts(c.args.blocks).length > 0,
      );
    // The post is edited once PortSIP has taken the SMS.
    await waitUntil(() => smsCalls().length >= 2, 8000, 'the SMS posted and its post edited');
    const shown = smsCalls().map((c) => literalTexts(c.args.blocks).join(''));
    expect(new Set(shown).size, JSON.stringify(shown)).toBe(1);
    // And what smsops stored is what it showed first (SQLite stores a lone surrogate as 3 bytes read back as 3 U+FFFD).
    const stored = t.db.prepare("SELECT text FROM inbound_messages WHERE wavix_message_id = 'lone-half'").pluck().get();
    expect(stored).toBe(shown[0]);
    // PortSIP gets the body exactly as Wavix sent it, the escape included.
    expect(pbx.received.at(-1)?.body.toString('utf8')).toBe(sent);
  });
});
