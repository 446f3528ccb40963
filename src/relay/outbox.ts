import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DeliveriesRepository, Delivery } from '../store/repositories/deliveries.js';
import type { InboundMessage, InboundRepository } from '../store/repositories/inbound.js';

/** What one attempt to deliver gave: any 2xx is delivered; the rest is recorded with its status and an excerpt. */
export interface AttemptOutcome {
  delivered: boolean;
  statusCode: number | null;
  error?: string;
  /** The destination asked to wait (Retry-After): the next attempt is not before this. */
  retryAfterMs?: number;
  /** The destination refused this content itself (e.g. Slack's msg_blocks_too_long): the same attempt would fail again. */
  deterministic?: boolean;
}

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** A delivery still failing this long after the message arrived is dead (alerted, kept for replay). */
  deadAfterMs: number;
}

export const DEFAULT_RELAY_RETRY: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 5 * 60_000, deadAfterMs: 24 * 3_600_000 };

/** Full-jitter exponential backoff: spreads retries of many failing deliveries instead of synchronising them. */
export function nextAttemptDelay(attempts: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempts, 30));
  return Math.max(policy.baseDelayMs / 4, Math.floor(random() * ceiling));
}

export interface OutboxWorkerOptions {
  kind: 'portsip' | 'slack';
  deliveries: DeliveriesRepository;
  inbound: InboundRepository;
  /** Delivers a batch; one outcome per delivery, in order. PortSIP batches have one item; Slack may coalesce. */
  send: (batch: Array<{ delivery: Delivery; message: InboundMessage }>) => Promise<AttemptOutcome[]>;
  concurrency: number;
  /** How many deliveries one `send` may take (1 for PortSIP). */
  batchSize?: number;
  retry: RetryPolicy;
  leaseMs?: number;
  /** How long to sleep when nothing is due (a new message wakes the worker at once). */
  idleMs?: number;
  /** Pause after each send (the Slack leg's pacing). */
  pauseAfterSendMs?: number;
  now?: () => number;
  random?: () => number;
  logger: Logger;
  onDelivered?: (delivery: Delivery) => void;
  onFailed?: (delivery: Delivery, outcome: AttemptOutcome) => void;
  onDead?: (delivery: Delivery, message: InboundMessage | undefined, outcome: AttemptOutcome) => void;
}

export interface OutboxWorker {
  /** Something new may be due: look now instead of after the idle sleep. */
  wake(): void;
  /** Stops claiming, waits for the attempts in flight to finish, and returns any leased delivery to pending. */
  stop(): Promise<void>;
}

/**
 * The durable delivery loop for one kind of destination. Deliveries are claimed from SQLite with a lease, so a crash
 * leaves them to be claimed again (at-least-once); per conversation only the oldest undelivered one is claimable, so
 * a destination sees each conversation in arrival order while conversations run in parallel up to `concurrency`.
 */
export function startOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const leaseMs = options.leaseMs ?? 60_000;
  const idleMs = options.idleMs ?? 1_000;
  const batchSize = options.batchSize ?? 1;
  const { deliveries, logger } = options;

  let running = true;
  let inFlight = 0;
  let wakeUp: (() => void) | undefined;
  const settled = new Set<Promise<void>>();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });

  const record = (delivery: Delivery, message: InboundMessage | undefined, outcome: AttemptOutcome) => {
    if (outcome.delivered) {
      deliveries.markDelivered(delivery.id, outcome.statusCode);
      options.onDelivered?.(delivery);
      return;
    }
    const error = outcome.error ?? (outcome.statusCode ? `HTTP ${outcome.statusCode}` : 'failed');
    if (now() - delivery.retryWindowStartedAt >= options.retry.deadAfterMs) {
      deliveries.markDead(delivery.id, { statusCode: outcome.statusCode, error });
      options.onDead?.(delivery, message, outcome);
      return;
    }
    const delay = Math.max(nextAttemptDelay(delivery.attempts, options.retry, random), outcome.retryAfterMs ?? 0);
    deliveries.markFailed(delivery.id, { statusCode: outcome.statusCode, error, nextAttemptAt: now() + delay });
    options.onFailed?.(delivery, outcome);
  };

  const attempt = async (batch: Delivery[]) => {
    const items = batch.map((delivery) => ({ delivery, message: options.inbound.get(delivery.inboundMessageId) }));
    const present = items.filter((i): i is { delivery: Delivery; message: InboundMessage } => i.message !== undefined);
    let outcomes: AttemptOutcome[];
    try {
      outcomes = present.length > 0 ? await options.send(present) : [];
    } catch (error) {
      outcomes = present.map(() => ({ delivered: false, statusCode: null, error: describeError(error) }));
    }
    deliveries.inTransaction(() => {
      for (const [i, item] of present.entries()) {
        record(item.delivery, item.message, outcomes[i] ?? { delivered: false, statusCode: null, error: 'no outcome' });
      }
      for (const item of items) {
        if (!item.message) deliveries.markDead(item.delivery.id, { statusCode: null, error: 'message no longer stored' });
      }
    });
  };

  const loop = async () => {
    deliveries.releaseLeases();
    // While attempts are in flight, claim only once a quarter of the slots is free: one query for many deliveries
    // instead of one per finished attempt.
    const minClaim = Math.max(1, Math.floor(options.concurrency / 4));
    while (running) {
      const free = options.concurrency - inFlight;
      const claimed = free >= (inFlight > 0 ? minClaim : 1) ? deliveries.claimDue(options.kind, free * batchSize, leaseMs) : [];
      for (let i = 0; i < claimed.length; i += batchSize) {
        const batch = claimed.slice(i, i + batchSize);
        inFlight += 1;
        const task: Promise<void> = attempt(batch)
          .catch((error: unknown) =>
            logger.error('relay attempt failed to record', { kind: options.kind, error: describeError(error) }),
          )
          .finally(() => {
            inFlight -= 1;
            settled.delete(task);
            wakeUp?.();
          });
        settled.add(task);
      }
      // Pacing is a promise to the destination (Slack's per-channel rate): new messages do not cut it short.
      if (claimed.length > 0 && options.pauseAfterSendMs)
        await new Promise((resolve) => setTimeout(resolve, options.pauseAfterSendMs));
      else if (claimed.length === 0 || options.concurrency - inFlight < minClaim) await sleep(idleMs);
    }
  };

  const finished = loop().catch((error: unknown) =>
    logger.error('relay worker stopped', { kind: options.kind, error: describeError(error) }),
  );

  return {
    wake: () => wakeUp?.(),
    stop: async () => {
      running = false;
      wakeUp?.();
      await finished;
      await Promise.all([...settled]);
      deliveries.releaseLeases({ all: true });
    },
  };
}
