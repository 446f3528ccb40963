import type { InboundMessage } from '../core/model/inboundMessage.js';

/**
 * The messages stored last, as stored, so that their first PortSIP attempt sends them without reading each one back
 * from SQLite. Only committed messages are put here (a rolled-back insert's id is given to the next message). A put
 * always replaces what was kept under its id: SQLite gives a deleted newest row's id (retention) to the next message,
 * and the message committed last under an id is the one its deliveries mean. A message is taken out by the attempt
 * that reads it, so one kept here is one still waiting for it. Bounded by count and by body bytes, oldest out first:
 * a delivery whose message is no longer here reads it from the database as before.
 */
export interface FreshMessages {
  put(message: InboundMessage): void;
  /** The message kept under `id`, no longer kept: each is read once, by its delivery's first PortSIP attempt. */
  take(id: number): InboundMessage | undefined;
}

// Sized for the backlog a paced flood keeps (src/relay/ingestPacer.ts: about 1 s of deliveries and what came in
// before pacing began, a few thousand messages): past the kept ones, every delivery reads its row back, measured at
// 5-6 % of the CPU under load. Taken at once when PortSIP keeps up: a message kept until the count pushed it out
// lived through two of V8's young-generation collections and was copied into the old generation, every one of them
// (at 1,000 webhooks/s, 20 % of what the collector promoted and 15 % of its pauses; see bench/README.md).
export function createFreshMessages(limits: { count: number; bytes: number } = { count: 8_192, bytes: 16 << 20 }): FreshMessages {
  const messages = new Map<number, InboundMessage>();
  // Ids in the order they were put, oldest first. Ids, not the messages: a message taken must not stay reachable from
  // here. Not the Map's own order: iterating it from the front after deleting there walks every deleted entry still
  // held until the Map rehashes (6 µs a put under load, the Map being a queue of 8,192).
  let order: number[] = [];
  let head = 0;
  let bytes = 0;
  const drop = (id: number) => {
    const message = messages.get(id);
    if (message === undefined) return undefined;
    messages.delete(id);
    bytes -= message.rawBody.length;
    return message;
  };
  return {
    put: (message) => {
      drop(message.id);
      if (message.rawBody.length > limits.bytes) return;
      messages.set(message.id, message);
      order.push(message.id);
      bytes += message.rawBody.length;
      // Ids taken already are passed over; past the bounds the oldest kept goes. An id put again is in `order` twice:
      // its first place drops the newer message early, a cache miss only (the count and bytes are of what is kept).
      // The length bound keeps `order` small when one message at the front is never taken (a number without PortSIP).
      while (
        head < order.length &&
        (!messages.has(order[head] as number) ||
          messages.size > limits.count ||
          bytes > limits.bytes ||
          order.length - head > 2 * limits.count)
      ) {
        drop(order[head] as number);
        head += 1;
      }
      if (head > 4_096 && head * 2 > order.length) {
        order = order.slice(head);
        head = 0;
      }
    },
    take: drop,
  };
}
