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
  /**
   * Set by the Slack leg for a START-like SMS the customer sent before an opt-out still in force from this number
   * (Wavix posted it after the STOP): the START lifted nothing, and its post must not say it did.
   */
  laterOptOut?: { keyword: string | null; optedOutAt: number };
}

/** One place an inbound message is to be delivered. */
export interface DeliveryTarget {
  kind: DeliveryChannel;
  destination: string;
}
