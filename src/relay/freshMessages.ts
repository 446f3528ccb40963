import type { InboundMessage } from '../core/model/inboundMessage.js';

/**
 * The messages stored last, as stored, so that their deliveries are sent without reading each one back from SQLite.
 * Only committed messages are put here (a rolled-back insert's id is given to the next message). Bounded by count and
 * by body bytes, oldest out first: a delivery whose message is no longer here reads it from the database as before.
 */
export interface FreshMessages {
  put(message: InboundMessage): void;
  get(id: number): InboundMessage | undefined;
}

export function createFreshMessages(limits: { count: number; bytes: number } = { count: 2_048, bytes: 8 << 20 }): FreshMessages {
  const messages = new Map<number, InboundMessage>();
  let bytes = 0;
  return {
    put: (message) => {
      if (message.rawBody.length > limits.bytes || messages.has(message.id)) return;
      messages.set(message.id, message);
      bytes += message.rawBody.length;
      for (const [id, oldest] of messages) {
        if (messages.size <= limits.count && bytes <= limits.bytes) break;
        messages.delete(id);
        bytes -= oldest.rawBody.length;
      }
    },
    get: (id) => messages.get(id),
  };
}
