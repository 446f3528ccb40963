import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { documentsStatus, validateComponent, validateResponse, validateWebhook } from '../helpers/openapi.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/**
 * Every answer the emulator gives and every webhook it sends, checked against Wavix's own OpenAPI description.
 * Where the description documents no schema for a status the emulator must produce (422 on PATCH /v1/numbers/{id},
 * 401 on most operations, 429/503), the body is checked against the matching error component instead.
 */
let emulator: WavixEmulator;
let sink: WebhookSink;

beforeAll(async () => {
  emulator = await startWavixEmulator();
  sink = await startWebhookSink();
});
afterAll(async () => {
  await emulator.close();
  await sink.close();
});
beforeEach(async () => {
  await admin('/_emulator/reset', {});
  sink.received.length = 0;
});

async function call(method: string, path: string, body?: unknown, key = emulator.apiKey) {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined, headers: response.headers };
}

async function admin(path: string, body: unknown) {
  const response = await fetch(`${emulator.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return (await response.json()) as Record<string, unknown>;
}

/** Calls the emulator and checks status and body against the description's operation `template`. */
async function expectConforming(method: string, path: string, template: string, status: number, body?: unknown) {
  const response = await call(method, path, body);
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(documentsStatus(method, template, status), `${method} ${template} ${status} is documented`).toBe(true);
  expect(validateResponse(method, template, status, response.body)).toEqual([]);
  return response.body as Record<string, unknown>;
}

const uuidOf = (body: Record<string, unknown>) => body.id as string;

describe('REST operations conform to Wavix’s description', () => {
  it('Sender IDs: list, create, get, delete and their errors', async () => {
    await expectConforming('GET', '/v3/messages/sender-ids', '/v3/messages/sender-ids', 200);
    const created = await expectConforming('POST', '/v3/messages/sender-ids', '/v3/messages/sender-ids', 201, {
      sender_id: 'ACME',
      type: 'alphanumeric',
      countries: ['GB', 'FR'],
      usecase: 'promo',
      monthly_volume: '1-1000',
      samples: ['Your code is 1234'],
    });
    await expectConforming('POST', '/v3/messages/sender-ids', '/v3/messages/sender-ids', 400, { sender_id: 'ACME' });
    await expectConforming('POST', '/v3/messages/sender-ids', '/v3/messages/sender-ids', 400, {
      sender_id: 'ACME',
      type: 'alphanumeric',
      countries: ['CA'],
      usecase: 'promo',
    });
    const id = uuidOf(created);
    await expectConforming('GET', `/v3/messages/sender-ids/${id}`, '/v3/messages/sender-ids/{id}', 200);
    await expectConforming('DELETE', `/v3/messages/sender-ids/${id}`, '/v3/messages/sender-ids/{id}', 200);
    await expectConforming('GET', `/v3/messages/sender-ids/${id}`, '/v3/messages/sender-ids/{id}', 404);
    await expectConforming('DELETE', `/v3/messages/sender-ids/${id}`, '/v3/messages/sender-ids/{id}', 404);
  });

  it('numbers: list, get, update one and many, and their errors', async () => {
    const list = await expectConforming('GET', '/v1/numbers?per_page=3&page=2', '/v1/numbers', 200);
    expect(list.pagination).toEqual({ current_page: 2, per_page: 3, total: 7, total_pages: 3 });
    await expectConforming('GET', '/v1/numbers/101', '/v1/numbers/{id}', 200);
    await expectConforming('GET', '/v1/numbers/999', '/v1/numbers/{id}', 404);
    await expectConforming('PATCH', '/v1/numbers/102', '/v1/numbers/{id}', 200, {
      sms_enabled: true,
      sms_relay_url: 'https://a.example/x',
    });
    await expectConforming('PATCH', '/v1/numbers/102', '/v1/numbers/{id}', 400, { sms_relay_url: 'not a url' });
    await expectConforming('PATCH', '/v1/numbers/102', '/v1/numbers/{id}', 400, { colour: 'blue' });
    await expectConforming('PATCH', '/v1/numbers/999', '/v1/numbers/{id}', 404, { sms_enabled: true });
    await expectConforming('PATCH', '/v1/numbers', '/v1/numbers', 200, { ids: [101, 103], sms_relay_url: 'https://b.example/y' });

    // 422 (inbound SMS outside US/CA) is Wavix's documented rule but not listed on this operation: check its body shape.
    const refused = await call('PATCH', '/v1/numbers/104', { sms_enabled: true });
    expect(refused.status).toBe(422);
    expect(validateComponent('ValidationErrorResponse', refused.body)).toEqual([]);
  });

  it('profile: get, update defaults, config (balance), and a validation error', async () => {
    await expectConforming('GET', '/v1/profile', '/v1/profile', 200);
    const updated = await expectConforming('PUT', '/v1/profile', '/v1/profile', 200, {
      sms_relay_url: 'https://smsops.example.com/webhooks/wavix/inbound/s',
      dlr_relay_url: 'https://smsops.example.com/webhooks/wavix/dlr/s',
    });
    expect(updated.default_destinations).toEqual([
      { transport: 'sms', value: 'https://smsops.example.com/webhooks/wavix/inbound/s' },
      { transport: 'dlr', value: 'https://smsops.example.com/webhooks/wavix/dlr/s' },
    ]);
    await expectConforming('PUT', '/v1/profile', '/v1/profile', 422, { unknown_field: 1 });
    await expectConforming('GET', '/v1/profile/config', '/v1/profile/config', 200);
  });

  it('messages: send, list, get, and their errors', async () => {
    const sent = await expectConforming('POST', '/v3/messages', '/v3/messages', 201, {
      from: 'Wavix',
      to: '447400123456',
      message_body: { text: 'Your parcel is on its way', media: null },
      tag: 'shipping',
    });
    await expectConforming('POST', '/v3/messages', '/v3/messages', 400, {
      from: 'Wavix',
      to: '33612345678',
      message_body: { text: 'x', media: null },
    });
    await emulator.clock.advance(10_000);
    const list = await expectConforming('GET', '/v3/messages?type=outbound&tag=shipping', '/v3/messages', 200);
    expect((list.items as unknown[]).length).toBe(1);
    await expectConforming('GET', '/v3/messages', '/v3/messages', 400);
    await expectConforming('GET', `/v3/messages/${sent.message_id as string}`, '/v3/messages/{id}', 200);
    await expectConforming('GET', '/v3/messages/00000000-0000-0000-0000-000000000000', '/v3/messages/{id}', 404);

    await admin('/_emulator/inbound', { from: '447400123456', to: '14155550100', text: 'Hi' });
    const inbound = await expectConforming('GET', '/v3/messages?type=inbound', '/v3/messages', 200);
    expect((inbound.items as Array<{ direction: string }>).map((m) => m.direction)).toEqual(['inbound']);
  });

  it("messages export: NDJSON, one Message a line, the list's filters with timestamps, and its errors", async () => {
    const send = (tag: string) =>
      call('POST', '/v3/messages', { from: 'Wavix', to: '447400123456', message_body: { text: 'Parcel', media: null }, tag });
    await send('early');
    await emulator.clock.advance(3_600_000);
    const since = new Date(emulator.clock.now()).toISOString().slice(0, 19);
    await send('late');
    await send('late');
    await emulator.clock.advance(10_000);

    const raw = async (query: string) => {
      const response = await fetch(`${emulator.url}/v3/messages/all${query}`, {
        headers: { authorization: `Bearer ${emulator.apiKey}` },
      });
      return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
    };
    const all = await raw('?type=outbound');
    expect(all.status).toBe(200);
    expect(documentsStatus('GET', '/v3/messages/all', 200)).toBe(true);
    expect(all.type).toBe('application/x-ndjson');
    const lines = all.text.split('\n');
    expect(lines.at(-1)).toBe('');
    const messages = lines.slice(0, -1).map((line) => JSON.parse(line) as { tag: string; direction: string });
    expect(messages.map((m) => m.tag)).toEqual(['early', 'late', 'late']);
    for (const m of messages) expect(validateComponent('Message', m)).toEqual([]);

    // `sent_after` is a timestamp: the hour's messages only; other filters as the list's.
    const windowed = await raw(`?type=outbound&sent_after=${since}`);
    expect(
      windowed.text
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { tag: string }).tag),
    ).toEqual(['late', 'late']);
    expect((await raw('?type=outbound&tag=early')).text.trimEnd().split('\n')).toHaveLength(1);
    expect((await raw('?type=inbound')).text).toBe('');

    // Its errors: `type` is required, the times are `YYYY-MM-DDTHH:MM:SS` (400s Wavix does not describe for this
    // operation: its usual body), and a 403 where the service is not provisioned, as documented.
    for (const query of ['', '?type=outbound&sent_after=2026-11-25', '?type=outbound&sent_before=yesterday']) {
      const refused = await call('GET', `/v3/messages/all${query}`);
      expect(refused.status).toBe(400);
      expect(validateComponent('ValidationErrorResponse', refused.body)).toEqual([]);
    }
    emulator.injectFault({ path: '/v3/messages/all', status: 403 });
    await expectConforming('GET', '/v3/messages/all?type=outbound', '/v3/messages/all', 403);
    expect((await call('POST', '/v3/messages/all', {})).status).toBe(405);
  });

  it('opt-outs: create, list with filters and pages, their errors, and a send refused to an opted-out number', async () => {
    const path = '/v3/messages/opt-outs';
    const empty = await expectConforming('GET', path, path, 200);
    expect(empty.items).toEqual([]);
    await expectConforming('POST', path, path, 201, { opt_out: { number: '447400123456', sender_id: 'Wavix' } });
    await expectConforming('POST', path, path, 201, { opt_out: { number: '15551234567' } });
    await admin('/_emulator/inbound', { from: '12025550143', to: '14155550100', text: 'STOP' });
    const all = await expectConforming('GET', `${path}?per_page=2&page=2`, path, 200);
    expect(all.pagination).toEqual({ current_page: 2, per_page: 2, total: 3, total_pages: 2 });
    expect(all.items).toEqual([
      { phone_number: '12025550143', sender_id: '14155550100', campaign_id: null, created_at: expect.any(String) },
    ]);
    const bySender = await expectConforming('GET', `${path}?sender_id=Wavix&created_after=2000-01-01`, path, 200);
    expect((bySender.items as Array<{ phone_number: string }>).map((o) => o.phone_number)).toEqual(['447400123456']);
    await expectConforming('GET', `${path}?created_after=yesterday`, path, 400);
    await expectConforming('GET', `${path}?per_page=101`, path, 400);
    await expectConforming('POST', path, path, 400, {});
    await expectConforming('POST', path, path, 400, { opt_out: { sender_id: 'Wavix' } });
    await expectConforming('POST', path, path, 404, { opt_out: { number: '447400123456', sender_id: 'NOSUCH' } });

    const refused = await expectConforming('POST', '/v3/messages', '/v3/messages', 400, {
      from: 'Wavix',
      to: '+447400123456',
      message_body: { text: 'Still there?', media: null },
    });
    expect(refused.message).toBe('Unsubscribed recipient');
  });

  it('10DLC: brands, campaigns and subscriptions', async () => {
    await expectConforming('GET', '/v3/10dlc/brands', '/v3/10dlc/brands', 200);
    await expectConforming('GET', '/v3/10dlc/brands/BM20QP9', '/v3/10dlc/brands/{brand_id}', 200);
    await expectConforming('GET', '/v3/10dlc/brands/NOPE', '/v3/10dlc/brands/{brand_id}', 404);
    await expectConforming('GET', '/v3/10dlc/brands/campaigns', '/v3/10dlc/brands/campaigns', 200);
    await expectConforming('GET', '/v3/10dlc/brands/BM20QP9/campaigns', '/v3/10dlc/brands/{brand_id}/campaigns', 200);
    await expectConforming(
      'GET',
      '/v3/10dlc/brands/BM20QP9/campaigns/CKLCK95',
      '/v3/10dlc/brands/{brand_id}/campaigns/{campaign_id}',
      200,
    );
    await expectConforming(
      'GET',
      '/v3/10dlc/brands/BM20QP9/campaigns/NOPE',
      '/v3/10dlc/brands/{brand_id}/campaigns/{campaign_id}',
      404,
    );
    await expectConforming('POST', '/v3/10dlc/subscriptions', '/v3/10dlc/subscriptions', 201, {
      subscription_category: 'brand',
      url: `${sink.url}/brand`,
    });
    await expectConforming('GET', '/v3/10dlc/subscriptions', '/v3/10dlc/subscriptions', 200);
  });

  it('errors outside the operations: 401, 429 and 503 keep Wavix’s error shape', async () => {
    const unauthorized = await call('GET', '/v1/numbers', undefined, 'wrong-key');
    expect(unauthorized.status).toBe(401);
    expect(validateComponent('UnauthorizedErrorResponse', unauthorized.body)).toEqual([]);

    emulator.injectFault({ path: '/v1/numbers', status: 429, retryAfterSeconds: 3 });
    const limited = await call('GET', '/v1/numbers');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(validateComponent('ValidationErrorResponse', limited.body)).toEqual([]);

    emulator.injectFault({ path: '/v1/numbers', status: 503 });
    const unavailable = await call('GET', '/v1/numbers');
    expect(unavailable.status).toBe(503);
    expect(validateComponent('ValidationErrorResponse', unavailable.body)).toEqual([]);
  });
});

describe('webhooks the emulator sends conform to Wavix’s description', () => {
  it('InboundMessage for an SMS and an MMS, to the number-level URL first, then the account default', async () => {
    await call('PUT', '/v1/profile', { sms_relay_url: `${sink.url}/account` });
    await call('PATCH', '/v1/numbers/101', { sms_relay_url: `${sink.url}/number-101` });
    await admin('/_emulator/inbound', { from: '447400123456', to: '14155550100', text: 'Hello 👋 <!channel>' });
    await admin('/_emulator/inbound', {
      from: '12025550143',
      to: '16135550123',
      text: '',
      media: ['https://media.example/a.jpg'],
    });

    expect(sink.received.map((r) => r.path)).toEqual(['/number-101', '/account']);
    for (const request of sink.received) {
      expect(request.method).toBe('POST');
      expect(request.headers['content-type']).toBe('application/json');
      expect(validateWebhook('InboundMessage', request.json())).toEqual([]);
    }
    const [sms, mms] = sink.received.map((r) => r.json() as { message_body: unknown; from: string });
    expect(sms?.message_body).toEqual({ text: 'Hello 👋 <!channel>', media: null });
    expect(mms?.message_body).toEqual({ text: '', media: ['https://media.example/a.jpg'] });
    // Field order as in Wavix's documented sample, so byte-level relays see what Wavix really sends.
    expect(Object.keys(sink.received[0]?.json() as object)).toEqual(['message_id', 'from', 'to', 'message_body', 'received_at']);
  });

  it('DeliveryReport, interim then final, to callback_url first, then the account DLR URL', async () => {
    await call('PUT', '/v1/profile', { dlr_relay_url: `${sink.url}/dlr-account` });
    await admin('/_emulator/failing-destinations', { number: '447400123457', error: 'Destination blocked' });
    await call('POST', '/v3/messages', {
      from: 'Wavix',
      to: '447400123456',
      message_body: { text: 'a', media: null },
      callback_url: `${sink.url}/dlr-message`,
    });
    await call('POST', '/v3/messages', { from: 'Wavix', to: '447400123457', message_body: { text: 'b', media: null } });
    await emulator.clock.advance(10_000);

    const reports = sink.received.map((r) => ({ path: r.path, body: r.json() as { status: string; error: string | null } }));
    expect(reports.map((r) => `${r.path} ${r.body.status}`)).toEqual([
      '/dlr-message sent',
      '/dlr-account sent',
      '/dlr-message delivered',
      '/dlr-account undelivered',
    ]);
    expect(reports[3]?.body.error).toBe('Destination blocked');
    for (const report of reports) expect(validateWebhook('DeliveryReport', report.body)).toEqual([]);
  });

  it('BrandStatusChanged, CampaignStatusChanged and NumberStatusChanged to the subscriptions', async () => {
    await call('POST', '/v3/10dlc/subscriptions', { subscription_category: 'brand', url: `${sink.url}/brand` });
    await call('POST', '/v3/10dlc/subscriptions', { subscription_category: 'campaign', url: `${sink.url}/campaign` });
    await call('POST', '/v3/10dlc/subscriptions', { subscription_category: 'number', url: `${sink.url}/number` });
    await admin('/_emulator/10dlc/brands/BM20QP9/status', { status: 'SUSPENDED' });
    await admin('/_emulator/10dlc/brands/BM20QP9/campaigns/CKLCK95/status', { status: 'APPROVED' });
    await admin('/_emulator/10dlc/brands/BM20QP9/campaigns/CKLCK95/numbers/14155550100/status', { status: 'REJECTED' });
    const [brand, campaign, number] = sink.received;
    expect(number?.path).toBe('/number');
    expect(number?.json()).toEqual({ brand_id: 'BM20QP9', campaign_id: 'CKLCK95', number: '14155550100', status: 'REJECTED' });
    expect(validateWebhook('NumberStatusChanged', number?.json())).toEqual([]);
    expect(brand?.json()).toEqual({ brand_id: 'BM20QP9', status: 'SUSPENDED' });
    expect(validateWebhook('BrandStatusChanged', brand?.json())).toEqual([]);
    expect(campaign?.json()).toEqual({ brand_id: 'BM20QP9', campaign_id: 'CKLCK95', status: 'APPROVED' });
    expect(validateWebhook('CampaignStatusChanged', campaign?.json())).toEqual([]);
  });
});
