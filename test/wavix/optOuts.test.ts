import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { createWavixClient, type WavixClient } from '../../src/wavix/client.js';
import { WavixError } from '../../src/wavix/errors.js';
import { isOptedOutRefusal } from '../../src/wavix/optOuts.js';
import { collectAll } from '../../src/wavix/paginate.js';
import { optOutAtEmulator } from '../helpers/emulatorOptOut.js';
import { failureOf as failureOfKind } from '../helpers/failureOf.js';

const DID = '14155550100';
const CUSTOMER = '12025550143';
let emulator: WavixEmulator;
let client: WavixClient;

const failureOf = (promise: Promise<unknown>) => failureOfKind(promise, WavixError);

beforeAll(async () => {
  emulator = await startWavixEmulator();
  client = createWavixClient({
    baseUrl: emulator.url,
    apiKey: emulator.apiKey,
    timeoutMs: 2_000,
    retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 },
    sleep: async () => {},
  });
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
});

const inbound = (text: string) =>
  fetch(`${emulator.url}/_emulator/inbound`, { method: 'POST', body: JSON.stringify({ from: CUSTOMER, to: DID, text }) });

describe('opt-outs', () => {
  it('lists opt-outs for one sender and for all, with filters', async () => {
    await optOutAtEmulator(emulator, '+447400123456', 'Wavix');
    await optOutAtEmulator(emulator, '15551234567');
    await inbound('STOP');

    const page = await client.optOuts.list();
    expect(page.items).toEqual([
      { phone_number: '447400123456', sender_id: 'Wavix', campaign_id: null, created_at: expect.any(String) },
      { phone_number: '15551234567', sender_id: null, campaign_id: null, created_at: expect.any(String) },
      { phone_number: CUSTOMER, sender_id: DID, campaign_id: null, created_at: expect.any(String) },
    ]);
    expect((await client.optOuts.list({ sender_id: DID })).items.map((o) => o.phone_number)).toEqual([CUSTOMER]);
  });

  it('pages through a long list', async () => {
    for (let i = 0; i < 105; i++) await optOutAtEmulator(emulator, `1555000${String(i).padStart(4, '0')}`);
    const all = await collectAll(client.optOuts.iterate());
    expect(all).toHaveLength(105);
    expect(new Set(all.map((o) => o.phone_number)).size).toBe(105);
    const paths = emulator
      .requests()
      .filter((r) => r.method === 'GET')
      .map((r) => r.path);
    expect(paths).toEqual(['/v3/messages/opt-outs', '/v3/messages/opt-outs']);
  });

  it('says in words when Wavix refuses the request', async () => {
    const tooMany = await failureOf(client.optOuts.list({ per_page: 500 }));
    expect(tooMany.kind).toBe('bad_request');
    expect(tooMany.userMessage).toContain('Missing or invalid parameter per_page');
  });

  it('reads a minimal answer, and names the field when the one it relies on is missing', async () => {
    const pagination = { current_page: 1, per_page: 25, total: 1, total_pages: 1 };
    emulator.injectFault({ path: '/v3/messages/opt-outs', body: { items: [{ phone_number: '15551234567' }], pagination } });
    expect((await client.optOuts.list()).items).toEqual([
      { phone_number: '15551234567', sender_id: null, campaign_id: null, created_at: null },
    ]);
    emulator.injectFault({ path: '/v3/messages/opt-outs', body: { items: [{ number: '15551234567' }], pagination } });
    const broken = await failureOf(client.optOuts.list());
    expect(broken.kind).toBe('invalid_response');
    expect(broken.message).toContain('items.0.phone_number');
  });
});

describe('replying from an smsops number', () => {
  it('sends, and recognises Wavix’s refusal once the customer texted STOP', async () => {
    const sent = await client.messages.send({
      from: DID,
      to: `+${CUSTOMER}`,
      message_body: { text: 'We are on it', media: null },
    });
    expect(sent).toMatchObject({ status: 'accepted', segments: 1 });

    await inbound('Stop');
    const refused = await failureOf(
      client.messages.send({ from: DID, to: `+${CUSTOMER}`, message_body: { text: 'Hello?', media: null } }),
    );
    expect(isOptedOutRefusal(refused)).toBe(true);
    expect(refused.said).toContain('Unsubscribed recipient');
    // A single refusal, not retried: the send may not be repeated blindly.
    expect(emulator.requests().filter((r) => r.method === 'POST' && r.path === '/v3/messages')).toHaveLength(2);
  });

  it('does not take other refusals for an opt-out', async () => {
    const other = await failureOf(
      client.messages.send({ from: 'NOSUCH', to: `+${CUSTOMER}`, message_body: { text: 'x', media: null } }),
    );
    expect(isOptedOutRefusal(other)).toBe(false);
    expect(isOptedOutRefusal(new Error('Unsubscribed recipient'))).toBe(false);
  });
});
