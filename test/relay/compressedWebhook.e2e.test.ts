import { brotliCompressSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_BODY_LIMIT } from '../../src/http/webhookRoutes.js';
import { type SmsopsUnderTest, WEBHOOK_SECRET } from '../helpers/smsopsUnderTest.js';
import { useSmsopsWithSink } from '../helpers/smsopsWithSink.js';
import { waitUntil } from '../helpers/waitUntil.js';

const rig = useSmsopsWithSink({ portsipPath: '/emc/wavix', checkSecrets: false });

const sms = (messageId: string) =>
  JSON.stringify({
    message_id: messageId,
    message_type: 'sms',
    from: '447400123456',
    to: '14155550100',
    message_body: { text: `compressed ${messageId}`, media: null },
    received_at: '2026-11-25T10:00:00.000Z',
  });

const postEncoded = (smsops: SmsopsUnderTest, body: Buffer, encoding: string) =>
  fetch(`${smsops.smsops.url}/webhooks/wavix/inbound/${WEBHOOK_SECRET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-encoding': encoding },
    body,
  });

/** A proxy in front of smsops may compress what Wavix posts: the SMS must be stored, not refused as "not JSON". */
describe('a webhook sent with a Content-Encoding', () => {
  it('is stored and relayed as JSON when gzip or br; a bomb, a broken stream or an unknown coding is refused with the reason and kept', async () => {
    const { t: smsops, sink: pbx } = await rig.start({ SLACK_RELAY_PACE_MS: '0' });

    expect((await postEncoded(smsops, gzipSync(sms('gz-1')), 'gzip')).status).toBe(200);
    expect((await postEncoded(smsops, brotliCompressSync(sms('br-1')), 'br')).status).toBe(200);
    await waitUntil(() => pbx.received.length >= 2, 8_000, 'both relayed to PortSIP');
    expect(pbx.received.map((r) => r.body.toString('utf8')).sort()).toEqual([sms('br-1'), sms('gz-1')]);

    // 1 MB of spaces compresses to about a kilobyte: refused before it is inflated past the plain body's limit.
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"pad":"'), Buffer.alloc(4 * WEBHOOK_BODY_LIMIT, ' '), Buffer.from('"}')]));
    const refusedBomb = await postEncoded(smsops, bomb, 'gzip');
    expect(refusedBomb.status).toBe(413);
    expect(await refusedBomb.json()).toEqual({ error: 'body is over the 256 KB limit once decompressed (gzip)' });

    const broken = await postEncoded(smsops, Buffer.from(sms('plain-but-said-gzip')), 'gzip');
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({ error: 'the body is not valid gzip data, as its Content-Encoding says' });

    // Layers stacked past what any proxy does: each would inflate the whole body again.
    let layered = Buffer.from(sms('layered'));
    for (let i = 0; i < 50; i++) layered = gzipSync(layered);
    const stacked = await postEncoded(smsops, layered, Array(50).fill('gzip').join(', '));
    expect(stacked.status).toBe(415);
    expect(await stacked.json()).toEqual({ error: '50 Content-Encodings stacked; smsops undoes at most 2' });
    expect((await postEncoded(smsops, gzipSync(gzipSync(sms('gz-2'))), 'gzip, gzip')).status).toBe(200);

    const unknown = await postEncoded(smsops, Buffer.from(sms('zstd-1')), 'zstd');
    expect(unknown.status).toBe(415);
    expect(await unknown.json()).toEqual({
      error: 'Content-Encoding "zstd" is not accepted: send the body plain, or gzip, deflate or br',
    });

    const kept = smsops.db.prepare('SELECT reason FROM rejected_webhooks ORDER BY id').pluck().all();
    expect(kept).toEqual([
      'body is over the 256 KB limit once decompressed (gzip)',
      'the body is not valid gzip data, as its Content-Encoding says',
      '50 Content-Encodings stacked; smsops undoes at most 2',
      'Content-Encoding "zstd" is not accepted: send the body plain, or gzip, deflate or br',
    ]);
    await waitUntil(() => (pbx?.received.length ?? 0) >= 3, 8_000, 'the double-gzipped one relayed');
    expect(pbx.received).toHaveLength(3);
  });
});
