import type { InboundMessage, NewInboundMessage } from '../../src/core/model/inboundMessage.js';

let lastId = 0;

/** A stored inbound SMS from +44 7400 123456 to +1 415 555 0100 for builder tests: a fresh id each, fields overridable. */
export function inboundMessage(text: string, overrides: Partial<InboundMessage> = {}): InboundMessage {
  const id = ++lastId;
  return {
    id,
    wavixMessageId: `w-${id}`,
    fromNumber: '447400123456',
    toNumber: '14155550100',
    messageType: 'sms',
    text,
    media: null,
    receivedAtText: '2026-11-25T10:00:00Z',
    receivedAt: Date.UTC(2026, 10, 25, 10),
    contentType: 'application/json',
    rawBody: Buffer.from('{}'),
    ingestedAt: Date.UTC(2026, 10, 25, 10),
    ...overrides,
  };
}

let lastNew = 0;

/** A message as the webhook hands it to the store (no id yet): a fresh Wavix id each, fields overridable. */
export function newInboundMessage(overrides: Partial<NewInboundMessage> = {}): NewInboundMessage {
  return {
    wavixMessageId: `new-${++lastNew}`,
    fromNumber: '447400123456',
    toNumber: '14155550100',
    messageType: 'sms',
    text: 'hello',
    media: null,
    receivedAtText: '2026-11-25T10:00:00Z',
    receivedAt: null,
    contentType: 'application/json',
    rawBody: Buffer.from('{}'),
    ...overrides,
  };
}
