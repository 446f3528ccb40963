import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { validateComponent } from '../helpers/openapi.js';

/**
 * Requests Wavix's description does not allow are refused by the emulator as Wavix would refuse them, so a client
 * that drifts from the description fails in tests rather than at the real Wavix.
 */
let emulator: WavixEmulator;

beforeAll(async () => {
  emulator = await startWavixEmulator();
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(async () => {
  await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST', body: '{}' });
});

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${emulator.apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the emulator refuses what Wavix’s description does not allow', () => {
  it('a send whose message_body has no `media` (MessageBody requires text and media; null for an SMS)', async () => {
    const refused = await call('POST', '/v3/messages', { from: 'Wavix', to: '447400123456', message_body: { text: 'Hi' } });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe('Missing or invalid parameter message_body.media');
    expect(validateComponent('ValidationErrorResponse', refused.body)).toEqual([]);

    const sent = await call('POST', '/v3/messages', {
      from: 'Wavix',
      to: '447400123456',
      message_body: { text: 'Hi', media: null },
    });
    expect(sent.status).toBe(201);
  });

  it('an injected inbound MMS with more than the 5 attachments Wavix’s MessageBody allows', async () => {
    const inject = (media: string[]) =>
      fetch(`${emulator.url}/_emulator/inbound`, {
        method: 'POST',
        body: JSON.stringify({ from: '12025550143', to: '14155550100', text: '', media }),
      });
    const six = ['1', '2', '3', '4', '5', '6'].map((n) => `https://media.example/${n}.jpg`);
    expect((await inject(six)).status).toBe(400);
    expect((await inject(six.slice(0, 5))).status).toBe(200);
  });

  it('a message list whose sent_after/sent_before are not YYYY-MM-DD (only the export takes a time)', async () => {
    for (const query of [
      'sent_after=2026-11-25T00:00:00',
      'sent_after=2026-11-25T00:00:00Z',
      'sent_before=Nov%2025%202026',
      'sent_after=2026-11-5',
    ]) {
      const refused = await call('GET', `/v3/messages?type=outbound&${query}`);
      expect(refused.status, query).toBe(400);
      expect(validateComponent('ValidationErrorResponse', refused.body)).toEqual([]);
    }
    expect((await call('GET', '/v3/messages?type=outbound&sent_after=2026-11-25&sent_before=2026-11-26')).status).toBe(200);
  });

  it('a message list or export filtered by a status or message type outside the documented values', async () => {
    for (const path of ['/v3/messages', '/v3/messages/all']) {
      for (const query of ['status=bogus', 'message_type=fax']) {
        const refused = await call('GET', `${path}?type=outbound&${query}`);
        expect(refused.status, `${path} ${query}`).toBe(400);
        expect(validateComponent('ValidationErrorResponse', refused.body)).toEqual([]);
      }
    }
    expect((await call('GET', '/v3/messages?type=outbound&status=dlr_expired&message_type=mms')).status).toBe(200);
  });

  it('a message list or export filtered by `tag` for inbound messages (the filter is "supported for outbound messages only")', async () => {
    for (const path of ['/v3/messages', '/v3/messages/all']) {
      const refused = await call('GET', `${path}?type=inbound&tag=campaignX`);
      expect(refused.status, path).toBe(400);
      expect(validateComponent('ValidationErrorResponse', refused.body)).toEqual([]);
    }
    expect((await call('GET', '/v3/messages?type=outbound&tag=campaignX')).status).toBe(200);
  });
});

describe('the message list’s filters', () => {
  it('`from` picks one Sender ID, not every alphanumeric one, and a number in any spelling', async () => {
    await call('POST', '/v3/messages/sender-ids', {
      sender_id: 'ACME',
      type: 'alphanumeric',
      countries: ['GB'],
      usecase: 'promo',
    });
    for (const from of ['Wavix', 'ACME', '+14155550100'])
      expect(
        (await call('POST', '/v3/messages', { from, to: '447400123456', message_body: { text: 'Hi', media: null } })).status,
      ).toBe(201);
    const senders = async (from: string) =>
      (
        (await call('GET', `/v3/messages?type=outbound&from=${encodeURIComponent(from)}`)).body.items as Array<{ from: string }>
      ).map((m) => m.from);
    expect(await senders('ACME')).toEqual(['ACME']);
    expect(await senders('Wavix')).toEqual(['Wavix']);
    expect(await senders('14155550100')).toEqual(['+14155550100']);
  });
});

describe('the 10DLC brand list’s filters', () => {
  it('status, country and a partial dba_name narrow the list, as documented', async () => {
    const ids = async (query: string) =>
      ((await call('GET', `/v3/10dlc/brands?${query}`)).body.items as Array<{ brand_id: string }>).map((b) => b.brand_id);
    expect(await ids('status=VERIFIED')).toEqual(['BM20QP9']);
    expect(await ids('status=SUSPENDED')).toEqual([]);
    expect(await ids('country=CA')).toEqual([]);
    expect(await ids('dba_name=xam')).toEqual(['BM20QP9']);
    expect(await ids('dba_name=zzz')).toEqual([]);
  });
});
