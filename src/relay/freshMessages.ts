import type { InboundMessage } from '../core/model/inboundMessage.js';

/**
 * The messages stored last, as stored, so that their deliveries are sent without reading each one back from SQLite.
 * Only committed messages are put here (a rolled-back insert's id is given to the next message). A put always replaces
 * what was kept under its id: SQLite gives a deleted newest row's id (retention) to the next message, and the message
 * committed last under an id is the one its deliveries mean. Bounded by count and by body bytes, oldest out first: a
 * delivery whose message is no longer here reads it from the database as before.
 */
export interface FreshMessages {
  put(message: InboundMessage): void;
  get(id: number): InboundMessage | undefined;
}

// Sized for the backlog a paced flood keeps (src/relay/ingestPacer.ts: about 1 s of deliveries and what came in
// before pacing began, a few thousand messages): past the kept ones, every delivery reads its row back, measured at 5-6 % of the CPU under load.
export function createFreshMessages(limits: { count: number; bytes: number } = { count: 8_192, bytes: 16 << 20 }): FreshMessages {
  const messages = new Map<number, InboundMessage>();
  // Oldest first. Not the Map's own order: iterating it from the front after deleting there walks every deleted
  // entry still held until the Map rehashes (6 µs a put under load, the Map being a queue of 8,192).
  let order: InboundMessage[] = [];
  let head = 0;
  let bytes = 0;
  const forget = (message: InboundMessage) => {
    // A message replaced under its id left its place in `order`: only the one kept now counts.
    if (messages.get(message.id) !== message) return;
    messages.delete(message.id);
    bytes -= message.rawBody.length;
  };
  return {
    put: (message) => {
      const kept = messages.get(message.id);
      if (kept) forget(kept);
      if (message.rawBody.length > limits.bytes) return;
      messages.set(message.id, message);
      order.push(message);
      bytes += message.rawBody.length;
      while ((messages.size > limits.count || bytes > limits.bytes) && head < order.length) {
        const oldest = order[head] as InboundMessage;
        head += 1;
        forget(oldest);
      }
      if (head > 4_096 && head * 2 > order.length) {
        order = order.slice(head);
        head = 0;
      }
    },
    get: (id) => messages.get(id),
  };
}
