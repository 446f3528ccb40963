/**
 * Bytes of Wavix webhook bodies held at once, across every connection: each is read whole before it is stored, and
 * nothing else bounded them but the connection cap. A probe held 1,000 webhooks of 250 KB on the secret path, each
 * one byte short of its end: 256 MB of buffers, RSS 511 MB once they ended; 64 to 256 at once of that size got smsops
 * killed by a 200 MB memory limit (a container's) with nothing said before. Past the budget a webhook is answered 503
 * with Retry-After before its body is read: nothing is acknowledged, and Wavix sends it again.
 */
export const WEBHOOK_BODY_BUDGET_BYTES = 8 * 1024 * 1024;

/**
 * Wavix's own SMS webhooks are about 1 KB (a 1,600-character text, JSON-escaped, is under 10 KB): bodies declaring
 * this or less (or sent chunked and no longer than this) never wait for the budget, so a client filling it with large
 * bodies cannot lock the usual SMS out.
 * They are still bounded: by the connection cap, at this size each.
 */
export const SMALL_WEBHOOK_BODY_BYTES = 16 * 1024;

export interface WebhookBodyBudget {
  /** Reserves `bytes` until the returned release is called; null when the budget has no room (answer 503). */
  reserve(bytes: number): (() => void) | null;
  /** Bytes reserved now. */
  inUse(): number;
}

/** What reserving nothing gives back: one shared function, not a closure per small body. */
const NOTHING_HELD = () => {};

export function createWebhookBodyBudget(limitBytes = WEBHOOK_BODY_BUDGET_BYTES): WebhookBodyBudget {
  let inUse = 0;
  return {
    reserve(bytes) {
      if (bytes <= SMALL_WEBHOOK_BODY_BYTES) return NOTHING_HELD;
      if (inUse + bytes > limitBytes) return null;
      inUse += bytes;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inUse -= bytes;
      };
    },
    inUse: () => inUse,
  };
}
