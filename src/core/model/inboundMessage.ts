import type { DeliveryChannel } from './delivery.js';

export interface NewInboundMessage {
  wavixMessageId: string;
  fromNumber: string;
  toNumber: string;
  messageType: 'sms' | 'mms';
  text: string;
  media: readonly string[] | null;
  receivedAtText: string;
  receivedAt: number | null;
  contentType: string;
  rawBody: Buffer;
}

export interface InboundMessage extends NewInboundMessage {
  id: number;
  ingestedAt: number;
}

/** One place an inbound message is to be delivered. */
export interface DeliveryTarget {
  kind: DeliveryChannel;
  destination: string;
}
