import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { startWebhookSink } from '../helpers/webhookSink.js';

/** The emulator enforces Wavix's rules the way Wavix documents them, so smsops' own checks are tested against it. */
let emulator: WavixEmulator;
const DAY = 24 * 3600 * 1000;

beforeAll(async () => {
  emulator = await startWavixEmulator({ reviewDelayMs: 2 * DAY });
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
});

async function call(method: string, path: string, body?: unknown, auth: 'bearer' | 'appid' | 'none' = 'bearer') {
  const url = new URL(`${emulator.url}${path}`);
  if (auth === 'appid') url.searchParams.set('appid', emulator.apiKey);
  const response = await fetch(url, {
    method,
    headers: auth === 'bearer' ? { authorization: `Bearer ${emulator.apiKey}` } : {},
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const createSenderId = (body: Record<string, unknown>) =>
  call('POST', '/v3/messages/sender-ids', { usecase: 'transactional', countries: ['GB'], type: 'alphanumeric', ...body });

describe('Sender ID rules', () => {
  it.each([
    ['ABCDEFGHIJKL', 400, /3 to 11 characters/],
    ['AB', 400, /3 to 11 characters/],
    ['12345', 400, /digits only/],
    ['Acme🚀', 400, /Latin letters/],
    ['Acme-Co', 201, null], // Wavix's guide allows - + _ & (smsops itself is stricter)
    ['Acme Co', 201, null],
  ])('alphanumeric %j → %i', async (value, status, message) => {
    const response = await createSenderId({ sender_id: value });
    expect(response.status).toBe(status);
    if (message) expect(response.body.message).toMatch(message);
  });

  it('refuses alphanumeric Sender IDs for the US and Canada', async () => {
    const response = await createSenderId({ sender_id: 'ACME', countries: ['GB', 'US', 'CA'] });
    expect(response).toEqual({
      status: 400,
      body: { success: false, message: 'Sender ID cannot be provisioned. Alphanumeric Sender IDs are not supported in US, CA' },
    });
  });

  it('takes numeric Sender IDs only from SMS-enabled numbers of the account, and not for the US', async () => {
    expect((await createSenderId({ type: 'numeric', sender_id: '19995550000' })).body.message).toMatch(
      /phone number on your account/,
    );
    expect((await createSenderId({ type: 'numeric', sender_id: '442079460000' })).body.message).toMatch(/not SMS-enabled/);
    expect((await createSenderId({ type: 'numeric', sender_id: '16135550123', countries: ['US'] })).body.message).toMatch(
      /10DLC/,
    );
    const ok = await createSenderId({ type: 'numeric', sender_id: '+16135550123', countries: ['CA'] });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ sender_id: '16135550123', allowlisted_in: ['CA'] });
  });

  it('allowlists self-service countries at once and reviewed ones when the clock reaches the review time', async () => {
    const created = await createSenderId({ sender_id: 'ACME', countries: ['GB', 'FR', 'AE'] });
    const id = created.body.id as string;
    expect(created.body.allowlisted_in).toEqual(['GB']);
    await emulator.clock.advance(2 * DAY - 1000);
    expect((await call('GET', `/v3/messages/sender-ids/${id}`)).body.allowlisted_in).toEqual(['GB']);
    await emulator.clock.advance(1000);
    expect((await call('GET', `/v3/messages/sender-ids/${id}`)).body.allowlisted_in).toEqual(['GB', 'FR', 'AE']);
  });

  it('lets an admin call reject a country: it never joins allowlisted_in, and the reason is only in the admin state', async () => {
    const created = await createSenderId({ sender_id: 'ACME', countries: ['GB', 'FR'] });
    const id = created.body.id as string;
    await fetch(`${emulator.url}/_emulator/sender-ids/${id}/reject`, {
      method: 'POST',
      body: JSON.stringify({ countries: ['FR'], reason: 'Brand documents missing' }),
    });
    await emulator.clock.advance(10 * DAY);
    const sender = await call('GET', `/v3/messages/sender-ids/${id}`);
    expect(sender.body.allowlisted_in).toEqual(['GB']);
    expect(JSON.stringify(sender.body)).not.toContain('Brand documents missing');
    const state = (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as {
      senderIds: Array<{ id: string; rejected: object }>;
    };
    expect(state.senderIds.find((s) => s.id === id)?.rejected).toEqual({ FR: 'Brand documents missing' });
  });

  it('answers the per-country restrictions call of the legacy API', async () => {
    const ask = (country: string, type: string) =>
      call('GET', `/v2/messages/sender_ids/restrictions?country=${country}&type=${type}`);
    expect((await ask('GB', 'alphanumeric')).body).toEqual({ self_service: true });
    expect((await ask('FR', 'alphanumeric')).body).toEqual({ self_service: false });
    expect((await ask('US', 'alphanumeric')).body).toEqual({ self_service: false });
    expect((await ask('GB', 'shortcode')).status).toBe(400);
  });
});

describe('numbers and inbound SMS rules', () => {
  it('activates inbound SMS on US/CA numbers only, also through the legacy call', async () => {
    expect((await call('PUT', '/v1/mydids/update-sms-enabled', { id: 102, sms_enabled: true })).body).toEqual({ success: true });
    const uk = await call('PUT', '/v1/mydids/update-sms-enabled', { id: 106, sms_enabled: true });
    expect(uk).toEqual({
      status: 422,
      body: { success: false, message: 'Inbound SMS can only be activated on US and CA phone numbers' },
    });
  });

  it('refuses an SMS webhook on a number that is not SMS-enabled', async () => {
    const response = await call('PATCH', '/v1/numbers/102', { sms_relay_url: 'https://x.example/hook' });
    expect(response.status).toBe(422);
    expect(response.body.message).toMatch(/SMS-enabled/);
  });

  it('serves the legacy /v1/mydids paths and the legacy appid key', async () => {
    const response = await call('GET', '/v1/mydids?search=16135550123', undefined, 'appid');
    expect(response.status).toBe(200);
    expect((response.body.items as Array<{ id: number }>).map((n) => n.id)).toEqual([103]);
    expect((await call('GET', '/v1/mydids', undefined, 'none')).status).toBe(401);
  });

  it('answers an oversized body with 413 instead of failing', async () => {
    const response = await call('PATCH', '/v1/numbers/101', JSON.stringify({ label: 'x'.repeat(2 * 1024 * 1024) }));
    expect(response).toEqual({ status: 413, body: { success: false, message: 'Request body too large' } });
  });

  it('answers malformed JSON with a 400 in Wavix’s shape', async () => {
    const response = await call('PATCH', '/v1/numbers/101', '{"sms_enabled": tru');
    expect(response).toEqual({ status: 400, body: { success: false, message: 'Malformed JSON in request body' } });
  });
});

describe('messages', () => {
  const send = (body: Record<string, unknown>) =>
    call('POST', '/v3/messages', { message_body: { text: 'hello', media: null }, ...body });

  it('sends only from a Sender ID allowlisted for the destination, or an SMS-enabled number', async () => {
    expect((await send({ from: 'Wavix', to: '+447400123456' })).status).toBe(201);
    expect((await send({ from: 'Wavix', to: '+33612345678' })).body.message).toBe(
      'The Sender ID is not provisioned for the country',
    );
    expect((await send({ from: 'Nobody', to: '+447400123456' })).body.message).toBe('Sender ID not found');
    expect((await send({ from: '14155550100', to: '+12025550143' })).status).toBe(201);
  });

  it('sends MMS to US and Canadian numbers only, and counts segments', async () => {
    const media = { text: 'see', media: ['https://media.example/a.jpg'] };
    expect((await send({ from: '14155550100', to: '+447400123456', message_body: media })).body.message).toMatch(/MMS/);
    const mms = await send({ from: '14155550100', to: '+12025550143', message_body: media });
    expect(mms.body).toMatchObject({ message_type: 'mms', segments: 1 });
    const long = await send({ from: 'Wavix', to: '+447400123456', message_body: { text: 'x'.repeat(161), media: null } });
    expect(long.body.segments).toBe(2);
    const unicode = await send({ from: 'Wavix', to: '+447400123456', message_body: { text: 'é🚀'.repeat(30), media: null } });
    expect(unicode.body.segments).toBe(2);
    // GSM 03.38: an extension character is ESC + a septet (155 characters, 161 septets), and Greek capitals are GSM-7.
    const euros = await send({
      from: 'Wavix',
      to: '+447400123456',
      message_body: { text: `${'€'.repeat(6)}${'x'.repeat(149)}`, media: null },
    });
    expect(euros.body.segments).toBe(2);
    const greek = await send({
      from: 'Wavix',
      to: '+447400123456',
      message_body: { text: `ΔΣΩ ${'x'.repeat(150)}`, media: null },
    });
    expect(greek.body.segments).toBe(1);
  });

  it('lists the messages sent on the sent_before day too ("on or before this date")', async () => {
    const sent = await send({ from: 'Wavix', to: '+447400123456' });
    const today = String(sent.body.submitted_at).slice(0, 10);
    const ids = async (query: string) =>
      ((await call('GET', `/v3/messages?type=outbound&${query}`)).body.items as Array<{ message_id: string }>).map(
        (m) => m.message_id,
      );
    expect(await ids(`sent_before=${today}`)).toEqual([sent.body.message_id]);
    expect(await ids(`sent_after=${today}&sent_before=${today}`)).toEqual([sent.body.message_id]);
    const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - DAY).toISOString().slice(0, 10);
    expect(await ids(`sent_before=${yesterday}`)).toEqual([]);
  });
});

describe('reset', () => {
  it('drops scheduled work of the old state, so nothing from an earlier test fires later', async () => {
    const sink = await startWebhookSink();
    try {
      await call('PUT', '/v1/profile', { dlr_relay_url: `${sink.url}/dlr` });
      await call('POST', '/v3/messages', { from: 'Wavix', to: '+447400123456', message_body: { text: 'x', media: null } });
      await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
      await emulator.clock.advance(60_000);
      expect(sink.received).toEqual([]);
    } finally {
      await sink.close();
    }
  });
});
