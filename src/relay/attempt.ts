// What a sender and the outbox worker (./outbox.ts) say to each other about one attempt.

/** What one attempt to deliver gave: any 2xx is delivered; the rest is recorded with its status and an excerpt. */
export interface AttemptOutcome {
  delivered: boolean;
  statusCode: number | null;
  error?: string;
  /** The destination asked to wait (Retry-After): the next attempt is not before this. */
  retryAfterMs?: number;
  /** Retrying cannot help (the destination refuses this content): after a few such failures the delivery is dead. */
  deterministic?: boolean;
  /**
   * Nothing was sent (the sender was stopping before its turn came): not an attempt. The delivery is given back as it
   * was, with no attempt, error or backoff recorded, and nothing is told of it.
   */
  notAttempted?: boolean;
  /**
   * Not posted: the route's Retry-After, answered to another SMS, still runs (./portsip.ts). `statusCode` is that
   * answer's, so the route's state is told as PortSIP gave it; not a new answer of PortSIP's, so neither the
   * concurrency window nor the failed attempts' count and log lines take it as one.
   */
  held?: true;
}

/** What a sender is told of its attempt (the second argument of `send`). */
export interface AttemptControl {
  /**
   * Aborted once the worker gave up on the attempt: its timeout ran out (the attempt is recorded as failed and sent
   * again) or the worker is stopping (the delivery is given back). A call to the destination not begun by then must
   * not begin: it would send what the worker sends again. One already begun cannot be recalled: at-least-once.
   */
  readonly signal: AbortSignal;
  /**
   * For a sender that waits for its turn before each call (the Slack pace): while it waits no timeout runs and the
   * deliveries stay leased (renewed as needed), so a long wait is neither taken for a hang nor for a lost attempt.
   */
  waiting(): void;
  /** The sender calls the destination now: the timeout runs afresh from here, with the lease to cover it. */
  calling(): void;
  /**
   * An outcome known before the send returns (a Slack send posts channel by channel: one posted while another's call
   * still hangs). Should the attempt time out, it is recorded as told: a delivery already posted is not failed and
   * posted again; only those with no outcome yet fail.
   */
  settled(deliveryId: number, outcome: AttemptOutcome): void;
}

/**
 * An AttemptControl whose signal is made only when a sender reads it (a PortSIP attempt never does). A class, so that
 * the getter sits on its prototype: an object literal holding a getter is built by V8's runtime instead of copied from
 * its boilerplate, ~0.4 µs per attempt against ~0.02 (bench/README.md, the twenty-third round).
 */
export class LazySignalControl implements AttemptControl {
  readonly #makeSignal: () => AbortSignal;
  readonly waiting: () => void;
  readonly calling: () => void;
  readonly settled: (deliveryId: number, outcome: AttemptOutcome) => void;

  constructor(parts: Omit<AttemptControl, 'signal'> & { makeSignal: () => AbortSignal }) {
    this.#makeSignal = parts.makeSignal;
    this.waiting = parts.waiting;
    this.calling = parts.calling;
    this.settled = parts.settled;
  }

  get signal(): AbortSignal {
    return this.#makeSignal();
  }
}
