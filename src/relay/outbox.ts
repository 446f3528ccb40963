import type { Delivery } from '../core/model/delivery.js';
import type { InboundMessage } from '../core/model/inboundMessage.js';
import type { DeliveriesRepository } from '../core/ports/deliveries.js';
import type { InboundRepository } from '../core/ports/inbound.js';
import { isTransientStoreError } from '../core/ports/storeErrors.js';
import { describeError } from '../errors.js';
import { type Logger, redactSecrets } from '../log.js';
import type { GroupCommit } from '../store/groupCommit.js';
import type { WriteHealth } from '../store/writeHealth.js';
import { type AttemptControl, type AttemptOutcome, LazySignalControl } from './attempt.js';
import { type Decision, type DecisionRules, decideAttempt } from './attemptDecision.js';
import type { ConcurrencyWindow } from './concurrencyWindow.js';
import { attemptsBeforeDead, DEFAULT_DETERMINISTIC_LIMIT, type DeliveryRetryPolicy, RETRY_AFTER_CAP_MS } from './retryPolicy.js';

/** A failing PortSIP route's 2xx brings its waiting deliveries forward at most this often (see bringForward). */
const BRING_FORWARD_EVERY_MS = 60_000;
/** The most failing routes read at start (readFailingRoutes): a handful in practice; the bring-forward's own bound. */
const MAX_FAILING_READ = 1_000;

export interface OutboxWorkerOptions {
  kind: 'portsip' | 'slack';
  deliveries: DeliveriesRepository;
  inbound: InboundRepository;
  /**
   * A message just stored, as stored (src/relay/freshMessages.ts): a first attempt takes it from here instead of
   * reading it back. A retry always reads the row, so a row damaged since is found and set aside.
   */
  justStored?: (inboundMessageId: number) => InboundMessage | undefined;
  /** Delivers a batch; one outcome per delivery, in order. PortSIP batches have one item; Slack may coalesce. */
  send: (batch: Array<{ delivery: Delivery; message: InboundMessage }>, attempt: AttemptControl) => Promise<AttemptOutcome[]>;
  /** The most attempts out at once (and so the most a crash can send twice). */
  concurrency: number;
  /**
   * How many of the `concurrency` slots are used now, told of every outcome (./concurrencyWindow.ts: more while a
   * backlog waits and the destination answers well). Without it, all of them.
   */
  window?: ConcurrencyWindow;
  /** How many deliveries one `send` may take (1 for PortSIP). */
  batchSize?: number;
  /**
   * How many deliveries to claim ahead of the free slots (0 by default): one claim statement and one commit then serve
   * many attempts instead of a few. Claimed ahead and not sent soon (a slow destination), they are given back.
   */
  prefetch?: number;
  retry: DeliveryRetryPolicy;
  /** How long a claimed delivery is reserved; it must outlast an attempt (PortSIP's deadline) with room to record it. */
  leaseMs?: number;
  /** How often leases that ran out (an attempt lost, its outcome never recorded) are put back while running. */
  sweepEveryMs?: number;
  /** How long to sleep when nothing is due (a new message wakes the worker at once). */
  idleMs?: number;
  /** Pause after each send (the Slack leg's pacing). */
  pauseAfterSendMs?: number;
  /** Attempts in a row failing the same deterministic way before the delivery is dead. */
  deterministicLimit?: number;
  /**
   * A send that has not settled after this long is taken as failed (but for the outcomes it told, see
   * AttemptControl.settled) and its slot freed (a late outcome is ignored), and its signal aborted. Senders have their
   * own, shorter deadlines (PortSIP's); this guards against one that has none.
   * For a sender that says when it waits for a turn and when it calls (AttemptControl), it counts from each call.
   * Default: 3/4 lease.
   */
  attemptTimeoutMs?: number;
  /** How long stop() waits for attempts in flight before returning their deliveries to pending anyway. */
  stopWaitMs?: number;
  /**
   * False while this process may not act on the database (instance lease lost, or running out because renewals
   * fail): nothing is claimed or sent meanwhile, and at stop its leases are not ours to return.
   */
  holdsDatabase?: () => boolean;
  /**
   * True while the destination is known to refuse every attempt (Slack: the bot token revoked): nothing is claimed or
   * sent meanwhile, and the loop goes on (its deliveries keep their due times and attempts).
   */
  heldBack?: () => boolean;
  /**
   * True once the instance lease is lost to another process (for good, unlike a lease running out while renewals
   * fail, which comes back to this process): only then is an attempt's outcome left to the other process.
   */
  lostDatabase?: () => boolean;
  /**
   * The group commit that stores the webhooks (src/store/groupCommit.ts): outcomes are recorded in its transaction of
   * the turn instead of one of their own. Without it, they have their own transaction per turn.
   */
  recordIn?: Pick<GroupCommit, 'submit'> & Partial<Pick<GroupCommit, 'nudge'>>;
  /** Backoff after an error of the worker itself (database locked or full, a bug): doubles from base to max. */
  errorBackoff?: { baseMs: number; maxMs: number };
  now?: () => number;
  random?: () => number;
  logger: Logger;
  /** Told of every write the worker made or failed to make: part of /healthz's "can the database be written". */
  writeHealth?: WriteHealth;
  /** `message`: the one delivered, when it could be read; `attemptMs`: how long its attempt took (its batch's). */
  onDelivered?: (delivery: Delivery, message: InboundMessage | undefined, attemptMs: number) => void;
  onFailed?: (delivery: Delivery, outcome: AttemptOutcome, message: InboundMessage | undefined, attemptMs: number) => void;
  onDead?: (delivery: Delivery, message: InboundMessage | undefined, outcome: AttemptOutcome) => void;
  /**
   * What is written with an outcome, in its transaction, after it (the Slack post of a relayed SMS marked for an edit):
   * one commit for both. It must not throw; one that does is counted and logged, and the outcome is recorded all the
   * same. The callbacks above run once the outcome is committed.
   */
  writeAlongside?: (delivery: Delivery) => void;
  /** An error the worker survived (counted in /metrics). `where`: the loop, a sender that threw, or recording. */
  onError?: (where: 'loop' | 'send' | 'record', error: unknown) => void;
  /** The loop ended anyway and was started again (counted in /metrics). */
  onRestart?: () => void;
  /** What a claim took, and how many it asked for (the ingest pacer reads how long they had been due). */
  onClaimed?: (claimed: readonly Delivery[], asked: number) => void;
  /**
   * Deliveries that get their row only when there is room for them (the Slack leg's queue of stored messages): called
   * when a claim finds fewer due than it asked, with how many more it wants; the claim is tried once more if some were
   * given a row. `more`: the queue may hold others still. It runs in the claim's transaction when there is one.
   */
  refill?: (wanted: number) => { took: number; more: boolean };
}

/** What /healthz reads about a worker. */
export interface OutboxWorkerStatus {
  kind: 'portsip' | 'slack';
  running: boolean;
  /** When the loop last went round without an error (claimed or found nothing due). */
  lastLoopAt: number;
  /** The loop is stalled when `lastLoopAt` is older than this (its longest normal pause, with room). */
  expectedIntervalMs: number;
  consecutiveErrors: number;
  /** The loop's last error in words, its secrets masked as in the log (/healthz and the relay_stalled alert show it). */
  lastError: string | null;
  restarts: number;
}

export interface OutboxWorker {
  /** Something new may be due: look now instead of after the idle sleep. */
  wake(): void;
  /**
   * Gives back what was claimed ahead and not sent yet (pending again, claimed afresh): a route change moved queued
   * deliveries, and the copies held here still name the old destination.
   */
  returnClaimedAhead(): void;
  /**
   * A new delivery is being stored: the end of its lease if this worker takes it at once (stored in flight, no claim
   * needed), or null to have it stored pending. Only one that heads its conversation (`isHead`, a read: asked last),
   * while the worker is caught up (its last claim found less than it asked: nothing older is due) and has room. Hand
   * what was stored leased to `keepClaimed` once its transaction committed, never before.
   */
  leaseNewHead(isHead: () => boolean, destination?: string): number | null;
  keepClaimed(claimed: readonly Delivery[]): void;
  /**
   * Whether outcomes of this worker are on their way soon: it is behind (more is due than it takes), an attempt it
   * started less than `quickMs` ago still waits for its answer, and its attempts have been taking no longer than that
   * (a running average). The group commit holds its commit for them (GroupCommitOptions.expectingMore): one commit per
   * round of attempts instead of one per answer. Caught up, with a slower destination, or for attempts it hangs on,
   * nothing waits for them.
   */
  outcomesComing(quickMs: number): boolean;
  status(): OutboxWorkerStatus;
  /**
   * Stops claiming, aborts the signals of the attempts in flight and waits for them (at most `stopWaitMs`), and returns
   * any leased delivery to pending. An outcome that comes after is not recorded: the delivery is sent again.
   */
  stop(): Promise<void>;
}

/** A step back of the wall clock smaller than this is noise, not worth a look at the due times. */
const CLOCK_STEP_MS = 1_000;

const UNREADABLE = 'the stored message cannot be read (its row is damaged)';
/**
 * How long, at most, a caught-up worker's outcomes wait to ride with a webhook's commit. At 1,000 webhooks/s each
 * outcome otherwise had a commit of its own; a crash in these few ms only adds them to what is sent again.
 */
const OUTCOMES_RIDE_MS = 5;
/** The weight of the latest attempt in the running average of attempt times: about the last ten count. */
const ATTEMPT_TIME_WEIGHT = 0.1;
const errorKind = (error: unknown) => (error instanceof Error ? error.name : typeof error);

/**
 * The durable delivery loop for one kind of destination. Deliveries are claimed from SQLite with a lease, so a crash
 * leaves them to be claimed again (at-least-once); per conversation only the oldest undelivered one is claimable, so
 * a destination sees each conversation in arrival order while conversations run in parallel up to `concurrency`.
 *
 * Nothing stops it but `stop()`: an error anywhere (the database locked or full, a sender that throws, a failed
 * record) is logged, counted, backed off and retried, and a loop that ends anyway is started again.
 */
export function startOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const leaseMs = options.leaseMs ?? 60_000;
  const sweepEveryMs = options.sweepEveryMs ?? Math.max(100, Math.floor(leaseMs / 4));
  const idleMs = options.idleMs ?? 1_000;
  const minAttemptsForDead = attemptsBeforeDead(options.retry, idleMs);
  const batchSize = options.batchSize ?? 1;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? Math.floor(leaseMs * 0.75);
  // Claimed ahead longer than this, a delivery is given back rather than sent: its lease must outlast the attempt
  // started from it, with room to record the outcome. A lease with no such room claims nothing ahead.
  const aheadRoomMs = leaseMs - attemptTimeoutMs - Math.min(1_000, leaseMs / 10);
  const prefetch = aheadRoomMs > 0 ? (options.prefetch ?? 0) : 0;
  const claimedAheadMaxMs = Math.max(Math.min(50, leaseMs / 10), aheadRoomMs);
  const deterministicLimit = options.deterministicLimit ?? DEFAULT_DETERMINISTIC_LIMIT;
  const errorBackoff = options.errorBackoff ?? { baseMs: 200, maxMs: 5_000 };
  const { deliveries, logger, kind } = options;
  // A healthy loop goes round at least every idle sleep or pacing pause; three of those (at least 5 s) means stuck.
  const expectedIntervalMs = Math.max(5_000, 3 * (idleMs + (options.pauseAfterSendMs ?? 0)));

  /**
   * PortSIP routes share the slots. A route that hangs or fails took every slot (40 conversations due to it fill 8),
   * and the other routes' SMS waited behind its deadlines, wave after wave. While a destination's last outcome is a
   * failure it holds at most half the slots; its other due rows are left out of the claim (a second statement, used
   * only then) so the rows behind them are reached. A delivered outcome ends it.
   */
  const fairShares = kind === 'portsip';
  const struggling = new Set<string>();
  /**
   * When each struggling destination's waiting deliveries were last brought forward by a 2xx (see applyRows): at most
   * once a minute, so a conversation failing alone (its own SMS refused with a 5xx) is not retried at every 2xx of its
   * route's other conversations.
   */
  const broughtForwardAt = new Map<string, number>();
  /** The batches being attempted (what holds the slots): a struggling destination's share, leases across a clock step. */
  const attempting = new Set<Delivery[]>();

  let running = true;
  /** stop() has returned: nothing is recorded any more (the store closes after it). */
  let stopped = false;
  let inFlight = 0;
  /** Claimed (leased) and not sent yet, in due order; per conversation at most one (only heads are claimed). */
  let claimedAhead: Array<{ delivery: Delivery; claimedAt: number }> = [];
  /**
   * Whether a claim could find something: false after a claim that found less than it asked for, until something can
   * have changed that (a wake from outside, a timer run out, a lease put back, an error). At 1,000 webhooks/s each one
   * woke the worker for a claim finding nothing (the webhook's commit had leased its delivery already): 70 µs each.
   */
  let mayBeDue = true;
  /** The last claim found more due than it took: a backlog waits (what the concurrency window grows on). */
  let behind = false;
  // After giving back what waited too long, claim only for free slots for a lease period (the destination is slow).
  let claimAheadPausedUntil = Number.NEGATIVE_INFINITY;
  let wakeUp: (() => void) | undefined;
  const cutPauses = new Set<() => void>();
  /** Stopping: when (performance.now()) stop() stops waiting for attempts, so their records give up before then. */
  let recordsUntil = Number.POSITIVE_INFINITY;
  const settled = new Set<Promise<void>>();
  let lastLoopAt = now();
  let lastSweepAt = Number.NEGATIVE_INFINITY;
  let consecutiveErrors = 0;
  let lastError: string | null = null;
  let restarts = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      // A sleep that ran its course may end on retries that came due meanwhile: look again.
      const timer = setTimeout(() => {
        mayBeDue = true;
        done();
      }, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });
  // A backoff: a new message does not shorten it, only stop() does.
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (!running) {
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        cutPauses.delete(done);
        resolve();
      }
      cutPauses.add(done);
    });
  const backoff = (n: number) => {
    const ceiling = Math.min(errorBackoff.maxMs, errorBackoff.baseMs * 2 ** Math.min(n, 20));
    return Math.max(errorBackoff.baseMs, Math.floor(ceiling / 2 + (random() * ceiling) / 2));
  };
  const noteWriteFailure = (error: unknown) => {
    if (isTransientStoreError(error)) options.writeHealth?.failed(error);
  };

  const decisionRules: DecisionRules = { now, random, retry: options.retry, deterministicLimit, minAttemptsForDead };
  const decide = (delivery: Delivery, message: InboundMessage | undefined, outcome: AttemptOutcome, tookMs: number): Decision =>
    decideAttempt(decisionRules, delivery, message, outcome, tookMs);

  /**
   * Outcomes their claim no longer held when written (the lease was taken over: another process, or a re-claim after
   * it ran out): the row was left as the other claim has it. Set afresh each time a transaction writes them.
   */
  const notRecorded = new WeakSet<Decision>();
  /** Writes the outcomes, in the caller's transaction; each only under the lease of the claim it belongs to. */
  const applyRows = (decisions: Decision[]) => {
    for (const d of decisions) {
      if (d.kind === 'released') {
        deliveries.releaseClaimed([d.delivery]);
        mayBeDue = true;
        continue;
      }
      const { id, leaseUntil } = d.delivery;
      const written =
        d.kind === 'delivered'
          ? deliveries.markDelivered(id, d.outcome.statusCode, leaseUntil)
          : d.kind === 'dead'
            ? deliveries.markDead(id, { statusCode: d.outcome.statusCode, error: d.error }, leaseUntil)
            : deliveries.markFailed(
                id,
                {
                  statusCode: d.outcome.statusCode,
                  error: d.error,
                  nextAttemptAt: d.nextAttemptAt,
                  retryAfterUntil: d.retryAfterUntil,
                  deterministicFailures: d.streak,
                  held: d.outcome.held === true,
                },
                leaseUntil,
              );
      if (!written) {
        notRecorded.add(d);
        continue;
      }
      notRecorded.delete(d);
      if (d.kind === 'delivered') bringForward(d.delivery.destination);
      if (options.writeAlongside) {
        try {
          options.writeAlongside(d.delivery);
        } catch (error) {
          options.onError?.('record', error);
          logger.error('relay could not write what goes with a recorded attempt', {
            kind,
            delivery: d.delivery.id,
            error: describeError(error),
          });
        }
      }
    }
  };
  /**
   * A PortSIP route that was failing answered 2xx: its other conversations' SMS waiting out a backoff are due now. A
   * probe took PortSIP down for 50 s under steady traffic: once it answered, one conversation's 54 SMS still waited 80 s
   * behind their first one's backoff (up to 5 minutes after a longer outage) while the route took everyone else's.
   */
  const bringForward = (destination: string) => {
    if (!fairShares || !struggling.has(destination)) return;
    const at = now();
    if (at - (broughtForwardAt.get(destination) ?? Number.NEGATIVE_INFINITY) < BRING_FORWARD_EVERY_MS) return;
    if (broughtForwardAt.size >= 1_000) broughtForwardAt.clear();
    broughtForwardAt.set(destination, at);
    // Not past the waits a route asked for (stored with the delivery, so a restart keeps them): a conversation it
    // refused with 503 and Retry-After: 600 while it took everyone else's was tried again at each other customer's SMS
    // a minute apart (4 attempts in 3 minutes).
    if (deliveries.dueNowAtDestination(kind, destination) > 0) mayBeDue = true;
  };
  /**
   * The routes failing when smsops stopped, read from the store at the first turn that holds the database: after a
   * restart during an outage (PortSIP's config fixed and smsops restarted, a deploy) a route answering again brought
   * nothing forward, its conversations' SMS waiting out their old backoff (up to 5 minutes each) while newer SMS of
   * other conversations went through at once. A route with SMS waiting out smsops' backoff counts as failing, as it
   * did before the restart: its first 2xx brings them forward, and it holds at most half the slots until then.
   */
  let failingRead = false;
  const readFailingRoutes = () => {
    if (!fairShares || failingRead) return;
    const failing = deliveries.destinationsWaitingOutBackoff(kind, MAX_FAILING_READ);
    failingRead = true;
    for (const destination of failing) struggling.add(destination);
    // Not the routes themselves: a URL may carry credentials.
    if (failing.length > 0)
      logger.info('PortSIP routes with SMS waiting out a retry count as failing until they answer 2xx', {
        kind,
        routes: failing.length,
      });
  };
  // Alone, in a transaction of its own. Not nested in the caller's: a nested transaction is a savepoint, which copied
  // every page the outcomes changed into a sub-journal, spilled to a temporary file past 16 pages (15 files a second
  // at 1,000 webhooks/s).
  const apply = (decisions: Decision[]) => deliveries.inTransaction(() => applyRows(decisions));

  /** Tells the callbacks of recorded outcomes; a callback that throws is counted and logged, the others still run. */
  const tell = (decisions: Decision[]) => {
    for (const d of decisions) {
      if (d.kind === 'released') continue;
      if (notRecorded.has(d)) {
        // Rare (a process frozen past its instance lease, an attempt outliving its lease): a line each, no count.
        logger.warn(
          'an attempt ended after its delivery was claimed again (its lease was taken over): its outcome is not recorded, the delivery is left as the newer claim has it',
          { kind, delivery: d.delivery.id, outcome: d.kind },
        );
        continue;
      }
      if (fairShares) {
        if (d.kind === 'delivered') struggling.delete(d.delivery.destination);
        else struggling.add(d.delivery.destination);
      }
      try {
        if (d.kind === 'delivered') options.onDelivered?.(d.delivery, d.message, d.tookMs);
        else if (d.kind === 'dead') options.onDead?.(d.delivery, d.message, d.outcome);
        else options.onFailed?.(d.delivery, d.outcome, d.message, d.tookMs);
      } catch (error) {
        options.onError?.('record', error);
        logger.error('relay could not report a recorded attempt', { kind, delivery: d.delivery.id, error: describeError(error) });
      }
    }
  };
  /**
   * Deliveries whose outcome could not be written before their lease ran out (the disk full, the database locked),
   * kept here until it is: their lease runs out and the sweep may put them back, but a claim that takes one again
   * sends nothing (see keepClaimed). Given up, the delivery was sent again once its lease ran out: a disk full for a
   * minute sent PortSIP and Slack every SMS answered meanwhile twice. Bounded by the slots: each keeps its attempt's
   * slot until written, so at most the concurrency's worth of sends (a Slack send's batch each) wait here, and past
   * that nothing more is claimed or sent until one is written.
   */
  const unwritten = new Map<number, Delivery>();
  /**
   * Records the outcomes, retrying while the database is locked or full: an attempt that reached its destination
   * must not be sent again only because its outcome could not be written at once. Past its lease the outcome is kept
   * (`unwritten`) and tried with a backoff until written. Given up only on an error retrying cannot fix (a bug: the
   * sweep puts the delivery back once its lease runs out) and when stopping (sent again after the restart).
   */
  const recordOneByOne = async (batch: Delivery[], decisions: Decision[]) => {
    const leaseEnd = () => Math.min(...batch.map((d) => d.leaseUntil ?? now() + leaseMs));
    let keptSince: number | null = null;
    try {
      for (let tries = 0; ; tries += 1) {
        // Lapsed (renewals failing) the lease may come back, the row still ours: wait for it. Lost, the stop comes.
        const holds = options.holdsDatabase?.() !== false;
        let failure: unknown;
        if (holds) {
          try {
            apply(decisions);
            options.writeHealth?.succeeded();
            break;
          } catch (error) {
            failure = error;
            noteWriteFailure(error);
            options.onError?.('record', error);
          }
        }
        const wait = backoff(tries);
        // Stopping, the record is still tried until just before stop() stops waiting for it: given up at the first
        // locked write (another process's transaction, a moment), the delivery was sent again after the restart.
        const stopWaitOver = !running && performance.now() + wait >= recordsUntil;
        if (!holds && stopWaitOver) {
          logger.warn(
            'an attempt ended after this process lost the database (instance lease): its outcome is not recorded; the process holding it sends the delivery again if needed',
            { kind, deliveries: batch.map((d) => d.id) },
          );
          return;
        }
        if (holds && (!isTransientStoreError(failure) || stopWaitOver)) {
          logger.error(
            stopWaitOver
              ? 'relay could not record an attempt before the stop; the delivery is sent again after the restart'
              : 'relay could not record an attempt; the delivery is retried once its lease runs out',
            { kind, deliveries: batch.map((d) => d.id), error: describeError(failure) },
          );
          return;
        }
        if (keptSince === null && now() + wait >= leaseEnd() - Math.min(1_000, leaseMs / 10)) {
          keptSince = now();
          for (const d of batch) unwritten.set(d.id, d);
          logger.error(
            'relay could not record an attempt before its lease ran out; its outcome is kept in memory and written once the database takes writes, and the delivery is not sent again meanwhile (only a stop before then sends it again after the restart)',
            { kind, deliveries: batch.map((d) => d.id), error: failure === undefined ? null : describeError(failure) },
          );
        }
        // pause() ends at once when stopping; this wait must not (it would spin).
        if (running) await pause(wait);
        else await new Promise((resolve) => setTimeout(resolve, wait));
      }
    } finally {
      if (keptSince !== null) for (const d of batch) unwritten.delete(d.id);
    }
    if (keptSince !== null)
      logger.info('an attempt whose outcome was kept in memory is recorded', {
        kind,
        deliveries: batch.map((d) => d.id),
        keptMs: now() - keptSince,
      });
    tell(decisions);
  };

  /**
   * Outcomes of attempts finishing in the same turn of the event loop are recorded together, in one transaction (one
   * commit for many deliveries instead of one each), with the next claim. Should that transaction fail, each attempt's
   * outcomes are recorded on their own, with the retries above, so one bad record costs no other.
   */
  type Queued = { batch: Delivery[]; decisions: Decision[]; done: () => void };
  let recordQueue: Queued[] = [];
  const takeQueue = () => {
    const queued = recordQueue;
    recordQueue = [];
    return queued;
  };
  const recorded = (queued: Queued[]) => {
    options.writeHealth?.succeeded();
    tell(queued.flatMap((q) => q.decisions));
    for (const q of queued) q.done();
  };
  const recordEach = (queued: Queued[]) => Promise.all(queued.map((q) => recordOneByOne(q.batch, q.decisions).finally(q.done)));
  const recordAndClaim = (queued: Queued[]) => {
    applyRows(queued.flatMap((q) => q.decisions));
    return claimFor(inFlight - queued.length);
  };
  const flushRecords = async () => {
    const queued = takeQueue();
    try {
      keepClaimed(deliveries.inTransaction(() => recordAndClaim(queued)));
    } catch {
      await recordEach(queued);
      return;
    }
    recorded(queued);
  };
  /**
   * The same in the caller's group commit: the turn's webhooks, these outcomes and the next claim in one transaction,
   * one commit a turn instead of two (measured a small gain: a commit costs the pages it writes, and few of an
   * outcome's are a webhook's). The queue is taken when the write runs, at the end of the turn, so every outcome of the turn is in it; a write run
   * again (its batch retried, or isolated after another write threw) records what it took the first time.
   */
  const recordInGroupCommit = (commits: NonNullable<OutboxWorkerOptions['recordIn']>) => {
    let taken: Queued[] | undefined;
    // Caught up, the outcomes wait for the next webhook's commit (at most OUTCOMES_RIDE_MS): nothing is due that their
    // claim would take, so only their slots wait. Behind, they are committed at the end of this turn, to claim at once.
    const lazyMs = running && !mayBeDue ? OUTCOMES_RIDE_MS : 0;
    commits
      .submit(
        () => {
          taken ??= takeQueue();
          return recordAndClaim(taken);
        },
        (next) => keepClaimed(next),
        { lazyMs },
      )
      .then(
        () => recorded(taken ?? []),
        () => recordEach(taken ?? takeQueue()),
      )
      .catch((error: unknown) => {
        options.onError?.('record', error);
        logger.error('relay could not finish recording attempts', { kind, error: describeError(error) });
      });
  };
  const recordOutcomes = (batch: Delivery[], decisions: Decision[]) =>
    new Promise<void>((resolve) => {
      // stop() returned: the database may be closed already, and the deliveries were given back (pending again).
      if (stopped) {
        logger.info(
          'an attempt ended after the relay stopped: its outcome is not recorded; the delivery is sent again after the restart',
          { kind, deliveries: batch.map((d) => d.id) },
        );
        resolve();
        return;
      }
      // This process lost the database (instance lease): another one may hold the delivery now, and its claim decides.
      // A lease only running out (renewals failing on a lock or a full disk) is still this process's: the outcome is
      // queued and written once it is renewed (recordOneByOne waits for it), or the delivery was sent again after its
      // relay lease ran out, by this same process (a probe: 3 of 3 sent twice after a 16 s lock).
      if (options.lostDatabase?.() === true || (options.lostDatabase === undefined && options.holdsDatabase?.() === false)) {
        logger.warn(
          'an attempt ended after this process lost the database (instance lease): its outcome is not recorded; the process holding it sends the delivery again if needed',
          { kind, deliveries: batch.map((d) => d.id) },
        );
        resolve();
        return;
      }
      recordQueue.push({ batch, decisions, done: resolve });
      if (recordQueue.length > 1) {
        // Queued into the write already submitted: a commit held for it may go now.
        options.recordIn?.nudge?.();
        return;
      }
      if (options.recordIn) recordInGroupCommit(options.recordIn);
      else setImmediate(() => void flushRecords());
    });

  /**
   * The stored message, or `unreadable` when its row cannot be turned into one (damaged by a bad restore or a bug):
   * that fails the same way every time, so it counts as a deterministic failure and the conversation goes on behind
   * it. A database that is busy or full is not the row's fault: that error goes up and the lease brings it back.
   */
  const readMessage = (delivery: Delivery): { message: InboundMessage | undefined; unreadable: boolean } => {
    try {
      // Only a delivery never tried takes the copy: a replay or a move sets attempts back to 0 but has tried before,
      // and its row may have changed (or been damaged) since the message was stored.
      const neverTried = delivery.attempts === 0 && delivery.lastAttemptAt === null;
      const fresh = neverTried ? options.justStored?.(delivery.inboundMessageId) : undefined;
      return { message: fresh ?? options.inbound.get(delivery.inboundMessageId), unreadable: false };
    } catch (error) {
      if (isTransientStoreError(error)) throw error;
      options.onError?.('send', error);
      // The error's text can quote the row (SMS data): only its kind is logged and kept.
      logger.error('a stored message cannot be read', { kind, delivery: delivery.id, error: errorKind(error) });
      return { message: undefined, unreadable: true };
    }
  };

  /** How to give up on each attempt out (the stop aborts their signals). */
  const givingUp = new Set<() => void>();
  /** What recording an outcome needs of a lease after the attempt's timeout, as the lease's default split leaves it. */
  const recordRoomMs = Math.min(1_000, leaseMs / 10);

  /**
   * The timeout, signal and lease of one attempt. The timeout runs from the start, or, for a sender that says when it
   * waits for a turn (AttemptControl.waiting), from each call only. A wait for the Slack pace is the pace at work
   * (SLACK_RELAY_PACE_MS may be a minute, and a coalesced send makes several posts, each paced): counted, it timed
   * attempts out that were only waiting, and each was retried and posted again. Its lease is kept meanwhile, renewed
   * before it could run out, so the sweep does not take the attempt for a lost one.
   */
  const attemptClock = (batch: Delivery[], sent: readonly Delivery[]) => {
    let timer: NodeJS.Timeout | undefined;
    let keeper: NodeJS.Timeout | undefined;
    let controller: AbortController | undefined;
    let givenUp = false;
    let over = false;
    // Made on the first outcome told (a Slack send over several channels): a PortSIP attempt never tells one.
    let told: Map<number, AttemptOutcome> | undefined;
    let timeOut: (outcomes: AttemptOutcome[]) => void = () => {};
    const timedOut = new Promise<AttemptOutcome[]>((resolve) => {
      timeOut = resolve;
    });
    const giveUp = () => {
      givenUp = true;
      controller?.abort();
    };
    const arm = () => {
      clearTimeout(timer);
      if (over) return;
      timer = setTimeout(() => {
        timeOut(
          sent.map(
            (d) =>
              told?.get(d.id) ?? {
                delivered: false,
                statusCode: null,
                error: `no outcome within ${attemptTimeoutMs} ms`,
              },
          ),
        );
        giveUp();
      }, attemptTimeoutMs);
    };
    const leaseLeft = () => Math.min(...batch.map((d) => d.leaseUntil ?? now() + leaseMs)) - now();
    /** Renews the lease when less than `needMs` of it is left; given up or over, the deliveries are not ours to keep. */
    const keepLease = (needMs: number) => {
      if (over || givenUp || leaseLeft() >= needMs || options.holdsDatabase?.() === false) return;
      const until = now() + leaseMs;
      try {
        deliveries.extendLeases(batch, until);
        // The claim's lease is now this one: its outcome is recorded under it. A delivery not renewed (claimed again
        // meanwhile) matches neither the old lease nor this one, so its outcome is not recorded either way.
        for (const d of batch) d.leaseUntil = until;
        options.writeHealth?.succeeded();
      } catch (error) {
        // Should the lease run out, the sweep puts the deliveries back and they are sent again: at-least-once.
        noteWriteFailure(error);
        options.onError?.('record', error);
        logger.warn('could not renew the lease of deliveries waiting for their turn', { kind, error: describeError(error) });
      }
    };
    const stopKeeping = () => {
      clearInterval(keeper);
      keeper = undefined;
    };
    const control = new LazySignalControl({
      // Made only when a sender asks for it: one per PortSIP attempt would cost CPU for nothing.
      makeSignal: () => {
        controller ??= new AbortController();
        if (givenUp) controller.abort();
        return controller.signal;
      },
      waiting: () => {
        clearTimeout(timer);
        if (over) return;
        keepLease(leaseMs / 2);
        keeper ??= setInterval(() => keepLease(leaseMs / 2), Math.max(10, leaseMs / 4));
      },
      calling: () => {
        stopKeeping();
        keepLease(attemptTimeoutMs + recordRoomMs);
        arm();
      },
      // Once the attempt is over or given up, its outcomes are decided: a late one changes nothing.
      settled: (deliveryId, outcome) => {
        if (over || givenUp) return;
        told ??= new Map();
        told.set(deliveryId, outcome);
      },
    });
    arm();
    givingUp.add(giveUp);
    return {
      control,
      timedOut,
      end: () => {
        over = true;
        clearTimeout(timer);
        stopKeeping();
        givingUp.delete(giveUp);
      },
    };
  };

  const attempt = async (batch: Delivery[]) => {
    const items = batch.map((delivery) => {
      const read = readMessage(delivery);
      return { delivery, message: read.message, unreadable: read.unreadable };
    });
    const present = items.filter(
      (i): i is { delivery: Delivery; message: InboundMessage; unreadable: false } => i.message !== undefined,
    );
    let outcomes: AttemptOutcome[];
    const clock = attemptClock(
      batch,
      present.map((i) => i.delivery),
    );
    const startedAt = performance.now();
    const out = { startedAt };
    awaiting.add(out);
    try {
      outcomes = present.length > 0 ? await Promise.race([options.send(present, clock.control), clock.timedOut]) : [];
    } catch (error) {
      // A sender resolves every failure it knows as an outcome: a throw is a bug (the same next time) unless it is the
      // database failing under it. Logged without the message: SMS text is personal data.
      options.onError?.('send', error);
      noteWriteFailure(error);
      logger.error('relay sender threw', { kind, deliveries: present.map((i) => i.delivery.id), error: describeError(error) });
      const deterministic = !isTransientStoreError(error);
      outcomes = present.map(() => ({ delivered: false, statusCode: null, error: describeError(error), deterministic }));
    } finally {
      clock.end();
      awaiting.delete(out);
    }
    const took = performance.now() - startedAt;
    attemptMs = attemptMs < 0 ? took : (1 - ATTEMPT_TIME_WEIGHT) * attemptMs + ATTEMPT_TIME_WEIGHT * took;
    // A held SMS (its route's Retry-After runs) says nothing new of PortSIP: taken as overload, each one halved the window.
    if (options.window)
      for (const outcome of outcomes) if (!outcome.notAttempted && !outcome.held) options.window.ended(outcome, behind, now());
    const decisions = [
      ...present.map((item, i) =>
        decide(
          item.delivery,
          item.message,
          outcomes[i] ?? { delivered: false, statusCode: null, error: 'the sender gave no outcome', deterministic: true },
          took,
        ),
      ),
      ...items
        .filter((item) => item.unreadable)
        .map((item) =>
          decide(item.delivery, undefined, { delivered: false, statusCode: null, error: UNREADABLE, deterministic: true }, 0),
        ),
      ...items
        .filter((item) => !item.message && !item.unreadable)
        .map(
          (item): Decision => ({
            kind: 'dead',
            delivery: item.delivery,
            message: undefined,
            outcome: { delivered: false, statusCode: null, error: 'message no longer stored' },
            error: 'message no longer stored',
          }),
        ),
    ];
    // Renewed while the sender waited, the deliveries hold the renewed lease (keepLease): recording may go on until
    // its end, and is recorded under it.
    await recordOutcomes(batch, decisions);
  };

  /** The longest delay the worker sets: a due time further ahead was set by a clock later than the present one. */
  const longestDelayMs = Math.max(options.retry.maxDelayMs, options.retry.baseDelayMs / 4, RETRY_AFTER_CAP_MS);
  /** The wall clock at the last turn (NEGATIVE_INFINITY before the first: a step while smsops was down is looked for). */
  let clockAt = Number.NEGATIVE_INFINITY;
  /**
   * The wall clock went back (NTP stepping it, a VM restored): due times and the worker's own moments were set by the
   * later clock, and everything waited as long as the step, unseen. What was due is made due now (its backoff is
   * lost: one early retry), and the worker's own moments are reset. Looked for at the first turn too.
   */
  const noticeClockStep = () => {
    const at = now();
    const monotonic = performance.now();
    const first = clockAt === Number.NEGATIVE_INFINITY;
    // Forward: the wall clock ran ahead of the monotonic one (NTP stepping it, a VM restored). This process' own leases
    // are wall-clock times and would all look run out: the sweep gave them back and the SMS out were sent again.
    const ahead = first ? 0 : at - clockAt - (monotonic - monotonicAt);
    if (ahead > CLOCK_STEP_MS) keepOwnLeasesAcross(ahead);
    if (first || at < clockAt - CLOCK_STEP_MS) {
      const madeDue = deliveries.dueAfterClockStep(kind, longestDelayMs);
      if (madeDue > 0) mayBeDue = true;
      if (!first || madeDue > 0)
        logger.warn('the wall clock went back: deliveries waiting for a later time are due now', {
          kind,
          steppedBackMs: first ? null : clockAt - at,
          madeDue,
        });
      lastSweepAt = Number.NEGATIVE_INFINITY;
      claimAheadPausedUntil = Number.NEGATIVE_INFINITY;
      for (const c of claimedAhead) c.claimedAt = Math.min(c.claimedAt, at);
    }
    clockAt = at;
    monotonicAt = monotonic;
  };
  let monotonicAt = performance.now();
  /**
   * Moves the leases this process holds (attempts out, claimed ahead) on by the step, in the database and in the
   * claims (whose outcomes are recorded under them), so the sweep after a forward step does not give them back.
   */
  const keepOwnLeasesAcross = (stepMs: number) => {
    const byLease = new Map<number, Delivery[]>();
    const hold = (delivery: Delivery) => {
      if (delivery.leaseUntil === null) return;
      const group = byLease.get(delivery.leaseUntil);
      if (group) group.push(delivery);
      else byLease.set(delivery.leaseUntil, [delivery]);
    };
    for (const batch of attempting) for (const delivery of batch) hold(delivery);
    for (const { delivery } of claimedAhead) hold(delivery);
    let kept = 0;
    try {
      for (const [lease, group] of byLease) {
        kept += deliveries.extendLeases(group, lease + stepMs);
        for (const delivery of group) delivery.leaseUntil = lease + stepMs;
      }
    } catch (error) {
      // Given back by the sweep then, and sent again: at-least-once, as after a crash.
      logger.warn('leases not kept across a forward step of the wall clock', { kind, error: describeError(error) });
    }
    logger.warn('the wall clock jumped forward: the deliveries this process has out keep their leases', {
      kind,
      steppedForwardMs: Math.round(stepMs),
      kept,
    });
  };

  const sweep = () => {
    if (now() - lastSweepAt < sweepEveryMs) return;
    const released = deliveries.releaseLeases();
    lastSweepAt = now();
    if (released > 0) {
      mayBeDue = true;
      options.writeHealth?.succeeded();
      logger.warn('deliveries whose lease ran out are queued again', { kind, count: released });
    }
  };

  // While attempts are in flight, claim only once a quarter of the slots is free: one query for many deliveries
  // instead of one per finished attempt.
  const slots = () => Math.min(options.concurrency, options.window?.size(now()) ?? options.concurrency);
  const minClaim = (size: number) => Math.max(1, Math.floor(size / 4));
  /**
   * Claims what `busy` slots in use leave to fill, plus the prefetch, when the deliveries claimed ahead do not cover
   * the free slots already. Nothing while this process may not act on the database or is stopping.
   */
  function claimFor(busy: number): Delivery[] {
    if (!running || options.holdsDatabase?.() === false) return [];
    const size = slots();
    const free = size - busy;
    const short = free * batchSize - claimedAhead.length;
    if (short <= 0 || free < (busy > 0 ? minClaim(size) : 1)) return [];
    const asked = short + (now() < claimAheadPausedUntil ? 0 : prefetch);
    let claimed = claimSharing(asked, size, []);
    let queuedMore = false;
    if (claimed.length < asked && options.refill) {
      const refilled = options.refill(asked - claimed.length);
      queuedMore = refilled.more;
      if (refilled.took > 0) claimed = claimed.concat(claimSharing(asked - claimed.length, size, claimed));
    }
    mayBeDue = claimed.length >= asked || queuedMore;
    behind = mayBeDue;
    options.onClaimed?.(claimed, asked);
    return claimed;
  }
  /**
   * Claims `asked` due deliveries, of which failing destinations' together stay under half the slots (attempts out,
   * claimed ahead and `claimedNow`): in due order within what is left of their half, then the others'. A share per
   * destination let two routes that hang (their DNS down, or PBXs that never answer) fill every slot, wave after wave
   * (their attempts started and timed out together), and every other route's SMS waited 8-14.5 s for one of them to
   * time out (a probe). Counted afresh each time from what the worker holds, so no count can drift.
   */
  function claimSharing(asked: number, size: number, claimedNow: readonly Delivery[]): Delivery[] {
    if (struggling.size === 0) return deliveries.claimDue(kind, asked, leaseMs);
    let theirs = 0;
    for (const batch of attempting) for (const delivery of batch) if (struggling.has(delivery.destination)) theirs += 1;
    for (const { delivery } of claimedAhead) if (struggling.has(delivery.destination)) theirs += 1;
    for (const delivery of claimedNow) if (struggling.has(delivery.destination)) theirs += 1;
    const room = Math.min(asked, Math.max(1, Math.floor(size / 2)) - theirs);
    // In due order as far as their half allows (at most `room` rows, so at most `room` of theirs), the rest from the
    // others. Taking the others' first starved a route whose last outcome was a failure while another route had a
    // backlog: its SMS waited for every other SMS, those stored after it too (90 of 90 in a probe), and the route,
    // tried by nothing, stayed 'failing'.
    const first = room > 0 ? deliveries.claimDue(kind, room, leaseMs) : [];
    if (first.length === asked || (room > 0 && first.length < room)) return first;
    return first.concat(deliveries.claimDue(kind, asked - first.length, leaseMs, [...struggling]));
  }
  /**
   * Gives back what failing destinations hold claimed ahead past their half of the slots (counting their attempts out).
   * Leased as they were stored, before their route was known to fail, 40 SMS to two routes that hang sat ahead of
   * every other route's, which no claim could pass: the next claim shares the slots (claimSharing).
   */
  function shareClaimedAhead(): void {
    if (struggling.size === 0 || claimedAhead.length === 0) return;
    let room = Math.max(1, Math.floor(slots() / 2));
    for (const batch of attempting) for (const delivery of batch) if (struggling.has(delivery.destination)) room -= 1;
    const back: Delivery[] = [];
    claimedAhead = claimedAhead.filter(({ delivery }) => {
      if (!struggling.has(delivery.destination)) return true;
      room -= 1;
      if (room >= 0) return true;
      back.push(delivery);
      return false;
    });
    giveBack(back);
  }
  /** Leases given to deliveries being stored and not handed over yet (kept at the next hand-over, whatever it holds). */
  let leasedUnkept = 0;
  /** How long attempts take, from their start to their outcome (a running average; -1 before the first). */
  let attemptMs = -1;
  /** The attempts still waiting for their outcome, with when each started (performance.now()). */
  const awaiting = new Set<{ startedAt: number }>();
  /** Whether an attempt started within `ms` still waits for its outcome (older ones are slow, or hang). */
  const recentAttemptOut = (ms: number) => {
    const since = performance.now() - ms;
    for (const out of awaiting) if (out.startedAt >= since) return true;
    return false;
  };
  function keepClaimed(claimed: readonly Delivery[]) {
    if (claimed.length === 0) return;
    options.writeHealth?.succeeded();
    const at = now();
    for (const delivery of claimed) {
      // Its outcome waits to be written (recordOneByOne), its lease having run out: claimed again, it is not sent
      // again; the outcome is written under this claim instead.
      const waiting = unwritten.get(delivery.id);
      if (waiting) waiting.leaseUntil = delivery.leaseUntil;
      else claimedAhead.push({ delivery, claimedAt: at });
    }
  }
  /** Claimed ahead too long ago (the destination is slow): given back before its lease could run out under it. */
  const returnStale = () => {
    if (claimedAhead.length === 0 || now() - (claimedAhead[0]?.claimedAt ?? 0) <= claimedAheadMaxMs) return;
    const stale = claimedAhead.filter((c) => now() - c.claimedAt > claimedAheadMaxMs);
    claimedAhead = claimedAhead.filter((c) => now() - c.claimedAt <= claimedAheadMaxMs);
    claimAheadPausedUntil = now() + leaseMs;
    giveBack(stale.map((c) => c.delivery));
  };
  const giveBack = (claims: Delivery[]) => {
    if (claims.length === 0) return;
    mayBeDue = true;
    try {
      deliveries.releaseClaimed(claims);
    } catch (error) {
      // Their leases run out and the sweep puts them back: later, never lost.
      noteWriteFailure(error);
      options.onError?.('record', error);
      logger.warn('could not give back deliveries claimed ahead; they are retried once their lease runs out', {
        kind,
        count: claims.length,
        error: describeError(error),
      });
    }
  };

  const turn = async () => {
    // Another process may take the database over now: what it finds leased it sends again, so claim nothing, and send
    // nothing claimed before.
    if (options.holdsDatabase?.() === false) {
      claimedAhead = [];
      lastLoopAt = now();
      await sleep(idleMs);
      return;
    }
    noticeClockStep();
    readFailingRoutes();
    sweep();
    returnStale();
    const held = options.heldBack?.() === true;
    if (fairShares) shareClaimedAhead();
    if (mayBeDue && !held) keepClaimed(claimFor(inFlight));
    let started = 0;
    while (!held && inFlight < slots() && claimedAhead.length > 0) {
      const batch = claimedAhead.splice(0, batchSize).map((c) => c.delivery);
      started += 1;
      inFlight += 1;
      attempting.add(batch);
      const task: Promise<void> = attempt(batch)
        .catch((error: unknown) => {
          noteWriteFailure(error);
          options.onError?.('record', error);
          logger.error('relay attempt failed; the delivery is retried once its lease runs out', {
            kind,
            error: describeError(error),
          });
        })
        .finally(() => {
          // A slot is free once the outcome is recorded, not when the answer came: what a crash can send twice stays
          // within the concurrency (the answered but unrecorded attempts count).
          inFlight -= 1;
          attempting.delete(batch);
          settled.delete(task);
          wakeUp?.();
        });
      settled.add(task);
    }
    lastLoopAt = now();
    consecutiveErrors = 0;
    lastError = null;
    // Pacing is a promise to the destination (Slack's per-channel rate): new messages do not cut it short.
    const size = slots();
    if (started > 0 && options.pauseAfterSendMs) await pause(options.pauseAfterSendMs);
    else if (started === 0 || size - inFlight < minClaim(size)) await sleep(idleMs);
  };

  const loop = async () => {
    while (running) {
      try {
        await turn();
      } catch (error) {
        consecutiveErrors += 1;
        lastError = describeError(error);
        noteWriteFailure(error);
        const wait = backoff(consecutiveErrors - 1);
        logger.error('relay worker error; retrying', { kind, error: lastError, consecutiveErrors, retryInMs: wait });
        options.onError?.('loop', error);
        await pause(wait);
        mayBeDue = true;
      }
    }
  };

  // The supervisor: the loop catches its own errors, so it ends only if its error handling itself failed.
  const supervise = async () => {
    while (running) {
      try {
        await loop();
      } catch (error) {
        lastError = describeError(error);
      }
      if (!running) return;
      restarts += 1;
      try {
        logger.error('relay worker loop ended; restarting it', { kind, restarts, error: lastError });
        options.onRestart?.();
      } catch {
        // Logging or counting failed too: restarting matters more than reporting it.
      }
      await pause(backoff(restarts));
    }
  };
  const finished = supervise();

  return {
    wake: () => {
      mayBeDue = true;
      wakeUp?.();
    },
    leaseNewHead: (isHead, destination) => {
      if (!running || options.holdsDatabase?.() === false) return null;
      // Behind, older deliveries are due: the new one waits its turn in due order.
      if (mayBeDue) return null;
      // Behind another delivery of its conversation: not due until that one is done (its outcome's claim takes it).
      if (!isHead()) return null;
      // A failing destination may be at its share of the slots: the claim, which counts them, decides.
      if (destination !== undefined && struggling.has(destination)) {
        mayBeDue = true;
        wakeUp?.();
        return null;
      }
      const room = (slots() - inFlight) * batchSize + (now() < claimAheadPausedUntil ? 0 : prefetch);
      if (claimedAhead.length + leasedUnkept >= room) {
        // Stored pending and due: the next claim must look (woken now, it runs once this write's commit is done: the
        // store is synchronous).
        mayBeDue = true;
        wakeUp?.();
        return null;
      }
      leasedUnkept += 1;
      return now() + leaseMs;
    },
    keepClaimed: (claimed) => {
      // A rolled-back transaction leaves its leases uncounted here: reset, not decremented.
      leasedUnkept = 0;
      keepClaimed(claimed);
      if (claimed.length > 0) options.onClaimed?.(claimed, Number.POSITIVE_INFINITY);
      if (claimed.length > 0 || mayBeDue) wakeUp?.();
    },
    returnClaimedAhead: () => {
      const claims = claimedAhead.map((c) => c.delivery);
      claimedAhead = [];
      giveBack(claims);
      wakeUp?.();
    },
    // An attempt out longer than `quickMs` is not waited for: the PBX may hang on it until its deadline (seconds), and
    // every commit meanwhile, webhooks' included, would wait the whole wait.
    outcomesComing: (quickMs) => running && mayBeDue && attemptMs >= 0 && attemptMs <= quickMs && recentAttemptOut(quickMs),
    // Masked when read, not kept masked: /healthz is served to whoever reaches the port, and the alert goes to Slack,
    // neither through the logger that masks the same words in the log line (a probe found a raw one there).
    status: () => ({
      kind,
      running,
      lastLoopAt,
      expectedIntervalMs,
      consecutiveErrors,
      lastError: lastError === null ? null : redactSecrets(lastError),
      restarts,
    }),
    stop: async () => {
      running = false;
      recordsUntil = performance.now() + (options.stopWaitMs ?? 8_000) - 500;
      // Never sent: given back below without the trace of an attempt (released_at), which would have /sms inbox say
      // PortSIP may have got them twice; a crash cannot tell them from the ones sent, a stop can.
      const neverSent = claimedAhead.map((c) => c.delivery);
      claimedAhead = [];
      // A sender waiting for its turn makes no call now: its delivery is given back as it was.
      for (const giveUp of [...givingUp]) giveUp();
      wakeUp?.();
      for (const cut of [...cutPauses]) cut();
      await finished;
      // A sender with no deadline of its own must not hold shutdown: what is still in flight is returned to pending.
      let waited: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([...settled]),
        new Promise<void>((resolve) => {
          waited = setTimeout(resolve, options.stopWaitMs ?? 8_000);
        }),
      ]);
      clearTimeout(waited);
      stopped = true;
      if (options.holdsDatabase?.() === false) return;
      try {
        // A claim already under way at the stop (a webhook's commit) is kept after it: never sent either.
        deliveries.releaseClaimed(neverSent.concat(claimedAhead.map((c) => c.delivery)));
        claimedAhead = [];
        deliveries.releaseLeases({ all: true, kind });
      } catch (error) {
        // The next start releases every lease anyway (one smsops per database).
        logger.warn('could not return leased deliveries at stop', { kind, error: describeError(error) });
      }
    },
  };
}
