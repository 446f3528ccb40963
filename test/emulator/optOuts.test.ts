import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWavixEmulator, type WavixEmulator } from '../../src/sandbox/emulator/server.js';
import { startWebhookSink, type WebhookSink } from '../helpers/webhookSink.js';

/** The emulator as a carrier and Wavix behave around a conversation: stop words, refused sends, delivery reports. */
let emulator: WavixEmulator;
let sink: WebhookSink;
const DID = '14155550100';
const CUSTOMER = '12025550143';

beforeAll(async () => {
  emulator = await startWavixEmulator();
  sink = await startWebhookSink();
});
afterAll(async () => {
  await emulator.close();
  await sink.close();
});
beforeEach(async () => {
  await post('/_emulator/reset', {});
  sink.received.length = 0;
});

async function post(path: string, body: unknown) {
  const response = await fetch(`${emulator.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const inbound = (text: string, from = CUSTOMER, to = DID) => post('/_emulator/inbound', { from, to, text });
const reply = (text = 'We are on it', from = `+${DID}`, extra: Record<string, unknown> = {}) =>
  post('/v3/messages', { from, to: `+${CUSTOMER}`, message_body: { text, media: null }, ...extra });
const optOuts = () => emulator.state().optOuts;

describe('stop words received on a number', () => {
  it('STOP opts the sender out of that number, and a reply from it is refused in Wavix’s words', async () => {
    await inbound('STOP');
    expect(optOuts()).toEqual([
      { phone_number: CUSTOMER, sender_id: DID, campaign_id: null, created_at: expect.stringMatching(/Z$/) },
    ]);
    const refused = await reply();
    expect(refused).toEqual({ status: 400, body: { success: false, message: 'Unsubscribed recipient' } });
    // Another of the account's numbers may still text them.
    expect((await reply('hi', '+16135550123')).status).toBe(201);
  });

  it.each(['stop', ' Quit ', 'UNSUBSCRIBE', 'cancel', 'End'])('%j is a stop word', async (word) => {
    await inbound(word);
    expect(optOuts()).toHaveLength(1);
  });

  it.each(['Stop.', 'please stop', 'STOPALL', 'stopped'])('%j is not one (Wavix matches the whole word only)', async (text) => {
    await inbound(text);
    expect(optOuts()).toEqual([]);
  });

  it('STOP from a Sender ID opts nothing out (nothing can be sent to it), and reaches the webhook as sent', async () => {
    await fetch(`${emulator.url}/v1/numbers/101`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sms_relay_url: `${sink.url}/inbound` }),
    });
    await inbound('STOP', 'MyBank-2FA');
    expect(optOuts()).toEqual([]);
    expect(sink.received.map((r) => (r.json() as { from: string }).from)).toEqual(['MyBank-2FA']);
  });

  it('a second STOP changes nothing; START lifts the opt-out and replies go out again', async () => {
    await inbound('STOP');
    await inbound('stop');
    expect(optOuts()).toHaveLength(1);
    await inbound('start');
    expect(optOuts()).toEqual([]);
    expect((await reply()).status).toBe(201);
  });

  it('START does not lift an opt-out of every sender made through the API', async () => {
    await post('/v3/messages/opt-outs', { opt_out: { number: CUSTOMER } });
    await inbound('UNSTOP');
    expect((await reply()).body.message).toBe('Unsubscribed recipient');
  });

  it('still relays the stop word to the webhook, as Wavix relays every inbound SMS', async () => {
    await fetch(`${emulator.url}/v1/numbers/101`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sms_relay_url: `${sink.url}/inbound` }),
    });
    await inbound('STOP');
    expect(sink.received.map((r) => (r.json() as { message_body: { text: string } }).message_body.text)).toEqual(['STOP']);
  });
});

describe('a reply’s delivery reports', () => {
  it('reach the message’s callback_url on the emulator’s clock: sent after 1 s, delivered 4 s later', async () => {
    const sent = await reply('Thanks, fixed ’', `+${DID}`, { callback_url: `${sink.url}/dlr` });
    expect(sent.body).toMatchObject({ status: 'accepted', segments: 1, from: `+${DID}` });
    await emulator.clock.advance(999);
    expect(sink.received).toEqual([]);
    await emulator.clock.advance(1);
    await emulator.clock.advance(4_000);
    expect(sink.received.map((r) => (r.json() as { status: string }).status)).toEqual(['sent', 'delivered']);
    expect(sink.received[1]?.json()).toMatchObject({
      message_id: sent.body.message_id,
      error: null,
      delivered: expect.any(String),
    });
  });

  it('end undelivered with the reason when the destination is made to fail', async () => {
    await post('/_emulator/failing-destinations', { number: CUSTOMER, error: 'Destination no longer active' });
    await reply('x', `+${DID}`, { callback_url: `${sink.url}/dlr` });
    await emulator.clock.advance(5_000);
    expect(sink.received.map((r) => r.json())).toEqual([
      expect.objectContaining({ status: 'sent', error: null }),
      expect.objectContaining({ status: 'undelivered', error: 'Destination no longer active' }),
    ]);
  });

  it('go nowhere for a refused send', async () => {
    await inbound('STOP');
    await reply('x', `+${DID}`, { callback_url: `${sink.url}/dlr` });
    await emulator.clock.advance(10_000);
    expect(sink.received).toEqual([]);
  });
});
