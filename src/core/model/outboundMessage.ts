/** What Wavix says of one outbound message, from its message list or a delivery report; later facts win. */
export interface OutboundMessageUpsert {
  wavixMessageId: string;
  fromNumber: string;
  toNumber: string;
  status: string;
  errorMessage?: string | null;
  segments?: number | null;
  charge?: string | null;
  tag?: string | null;
  submittedAt?: number | null;
  sentAt?: number | null;
  deliveredAt?: number | null;
}

export interface NewDeliveryReport {
  wavixMessageId: string;
  fromNumber: string;
  toNumber: string;
  status: string;
  error: string | null;
  segments: number | null;
}

export interface StoredDeliveryReport {
  id: number;
  wavixMessageId: string;
  outboundMessageId: number | null;
  status: string;
  error: string | null;
  receivedAt: number;
}
