/**
 * What a Slack call answered 429 limits, held for its Retry-After. Slack rate-limits per method and workspace, and
 * chat.postMessage per channel too: held on the delivery or post alone, every other conversation's post to that
 * channel and every other post's edit still made its own call, each answered 429 (a probe: 30 edits, one a second,
 * for the whole hour). chat.postMessage is held per channel, as the sender already halts per channel: a 429 in one
 * busy channel does not stop the others, and a workspace-wide one costs one call per channel to learn. chat.update is
 * held for every post. Kept in memory: after a restart the first call of each learns it again (one call), while what
 * waited keeps its stored due time.
 */
export type SlackHeldCall = { method: 'chat.postMessage'; channel: string } | { method: 'chat.update' };

export interface SlackHolds {
  /** Slack answered `call` 429 asking to wait `ms` (already capped): the calls it limits wait that long. */
  hold(call: SlackHeldCall, ms: number): void;
  /** How long a call like `call` must still wait; 0 when it may be made. */
  remainingMs(call: SlackHeldCall): number;
}

const keyOf = (call: SlackHeldCall) => (call.method === 'chat.update' ? call.method : `${call.method}\n${call.channel}`);

/** `monotonicNow`: a duration is held, so a wall clock stepped back or forward does not shorten or lengthen it. */
export function createSlackHolds(monotonicNow: () => number): SlackHolds {
  const until = new Map<string, number>();
  return {
    hold: (call, ms) => {
      const at = monotonicNow();
      // Ended holds are forgotten here, so channels held once in a long run do not pile up.
      for (const [key, end] of until) if (end <= at) until.delete(key);
      const key = keyOf(call);
      until.set(key, Math.max(until.get(key) ?? 0, at + ms));
    },
    // Whole milliseconds: the wait becomes a stored due time, which the other waits keep whole.
    remainingMs: (call) => Math.max(0, Math.ceil((until.get(keyOf(call)) ?? 0) - monotonicNow())),
  };
}
