/**
 * How many PortSIP attempts the relay keeps out at once. At most `ceiling` (RELAY_CONCURRENCY, which also bounds what
 * a crash can send twice); `floor` while nothing asks for more. While a backlog waits (the last claim found more due
 * than it took) and PortSIP answers with 2xx, each round of answers opens one more slot; an answer that says PortSIP
 * is overloaded (429, a 5xx, no answer by the deadline, a failed connection) halves the window, never below the
 * floor. Additive increase, multiplicative decrease, as TCP's congestion window: a PBX that keeps up gets more in
 * parallel, one that struggles is backed off at once. After `quietMs` without a backlog, the next one starts from the
 * floor again. One window for every PortSIP route: an overloaded PBX brings the others back to the floor too, which is
 * where all of them were before the window existed.
 *
 * Ours, not a library's: the signals are the relay's own (its claims and outcomes), and the rule is these few lines.
 * Latency is not a signal: under a flood smsops' own event loop makes every answer look slower (1-3 ms for a sink
 * answering in microseconds), which would shrink the window exactly when bigger rounds help most.
 */

/** What the window reads of an attempt's outcome (./outbox.ts AttemptOutcome). */
export interface WindowOutcome {
  delivered: boolean;
  statusCode: number | null;
  deterministic?: boolean;
}

export interface ConcurrencyWindow {
  /** The attempts allowed out now. */
  size(at: number): number;
  /** An attempt ended with `outcome`; `behind`: the worker's last claim found more due than it took. */
  ended(outcome: WindowOutcome, behind: boolean, at: number): void;
}

export interface ConcurrencyWindowOptions {
  floor: number;
  ceiling: number;
  /** How long without a backlog before the window is back at the floor. */
  quietMs?: number;
}

/** Whether an outcome says the destination is overloaded (not a refusal of this message). */
export const saysOverload = (outcome: WindowOutcome): boolean =>
  !outcome.delivered &&
  !outcome.deterministic &&
  (outcome.statusCode === null || outcome.statusCode === 429 || outcome.statusCode >= 500);

export function createConcurrencyWindow(options: ConcurrencyWindowOptions): ConcurrencyWindow {
  const ceiling = Math.max(1, Math.floor(options.ceiling));
  const floor = Math.min(ceiling, Math.max(1, Math.floor(options.floor)));
  const quietMs = options.quietMs ?? 10_000;
  let window = floor;
  /** 2xx answers since the window last grew: a round of them (as many as the window) opens one more slot. */
  let answered = 0;
  let lastBehindAt = Number.NEGATIVE_INFINITY;

  const settle = (at: number) => {
    if (window > floor && at - lastBehindAt > quietMs) {
      window = floor;
      answered = 0;
    }
  };
  return {
    size: (at) => {
      settle(at);
      return window;
    },
    ended: (outcome, behind, at) => {
      if (behind) lastBehindAt = at;
      settle(at);
      if (saysOverload(outcome)) {
        window = Math.max(floor, Math.floor(window / 2));
        answered = 0;
      } else if (outcome.delivered && behind && window < ceiling) {
        answered += 1;
        if (answered >= window) {
          window += 1;
          answered = 0;
        }
      }
    },
  };
}
