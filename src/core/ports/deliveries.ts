import type {
  Delivery,
  DeliveryChannel,
  DestinationBacklog,
  FailingDelivery,
  InFlightDelivery,
  UnfinishedDelivery,
} from '../model/delivery.js';

export interface DeliveriesRepository {
  /**
   * Leases up to `limit` due deliveries of one kind. A delivery is due only when no earlier delivery of the same
   * conversation to the same destination is still pending or in flight: that is what keeps arrival order per
   * conversation while different conversations proceed in parallel.
   */
  /**
   * Leases up to `limit` due conversation heads, in due order. `excluding`: destinations whose rows are left out (one
   * that holds its share of the relay's slots while it fails), so the rows behind them are reached.
   */
  claimDue(kind: DeliveryChannel, limit: number, leaseMs: number, excluding?: readonly string[]): Delivery[];
  /**
   * Records an attempt that reached its destination. `claimed`: the lease the attempt holds (its claim's, as renewed);
   * given, the outcome is recorded only while the delivery is still in flight under that lease or pending again (its
   * lease ran out, not claimed since), and false says it was not (another claim took the delivery over). Without it
   * (not an attempt's outcome) it is recorded whatever.
   */
  markDelivered(id: number, statusCode: number | null, claimed?: number | null): boolean;
  /**
   * Records a failed attempt and when to try again (and how many in a row failed deterministically, 0 by default).
   * `retryAfterUntil`: until when the destination asked not to be tried again (its Retry-After), kept so that its 2xx
   * to other SMS does not cut that wait short, after a restart too.
   */
  markFailed(
    id: number,
    failure: {
      statusCode: number | null;
      error: string;
      nextAttemptAt: number;
      deterministicFailures?: number;
      retryAfterUntil?: number | null;
      /** Not posted (its route's Retry-After held it, src/relay/portsip.ts): recorded, not counted as an attempt. */
      held?: boolean;
    },
    claimed?: number | null,
  ): boolean;
  markDead(id: number, failure: { statusCode: number | null; error: string }, claimed?: number | null): boolean;
  /**
   * Makes due now the pending deliveries of `kind` whose due time a clock later than the present one set (the wall
   * clock went back): due more than `maxAheadMs` ahead (longer than any delay smsops schedules), or tried, stored or
   * restarted at a moment still to come. Without this they waited as long as the clock went back. Returns how many.
   */
  dueAfterClockStep(kind: DeliveryChannel, maxAheadMs: number): number;
  /**
   * The pending deliveries to `destination` waiting out a backoff, due now: it answered 2xx again, so their wait (up
   * to 5 minutes after a long outage) only held its SMS back. Not before the end of a Retry-After the destination
   * asked for (a delivery waiting that out is left as it is). Returns how many.
   */
  dueNowAtDestination(kind: DeliveryChannel, destination: string): number;
  /**
   * The destinations (at most `limit`) with pending deliveries waiting out smsops' backoff after a failed attempt, not
   * only a Retry-After they asked for: the routes that were failing when smsops stopped, read at start.
   */
  destinationsWaitingOutBackoff(kind: DeliveryChannel, limit: number): string[];
  /**
   * Returns leased deliveries to pending: at start (after a crash) and at shutdown. Only expired leases unless `all`;
   * with `kind`, only that kind's (a worker stopping gives back its own, not those of the other worker's attempts still
   * out, whose outcomes would then not be recorded).
   */
  releaseLeases(options?: { all?: boolean; kind?: DeliveryChannel }): number;
  /** The first `limit` deliveries in flight, with their message's Wavix id: what a start after a crash sends again. */
  inFlight(limit: number): InFlightDelivery[];
  /**
   * Moves the lease of deliveries still in flight under the lease given on to `until` (an attempt waiting for its turn
   * keeps them); one claimed again meanwhile is not renewed.
   */
  extendLeases(claims: readonly Pick<Delivery, 'id' | 'leaseUntil'>[], until: number): number;
  /**
   * Gives back leases this process holds but will not use (claimed ahead, never sent): pending again at once. Only
   * under the lease each was claimed with: one whose lease ran out and was claimed again (another process, or this one
   * after a stall) is that claim's, and giving it back would let a third claim send it while the second's is out.
   */
  releaseClaimed(claims: readonly Pick<Delivery, 'id' | 'leaseUntil'>[]): number;
  /** Puts one dead or pending delivery back to be tried now. */
  requeue(id: number): boolean;
  requeueDead(): number;
  /** Sends every delivery of a message again, delivered ones included (an operator's replay). Returns how many. */
  resendMessage(inboundMessageId: number): number;
  /**
   * Points a delivery at `destination` and gives it a fresh retry window, due now: a dead or (with `replay`) a
   * delivered one is pending again; one in flight stays in flight (its attempt records by id) but already blocks the
   * later deliveries of its conversation at the new destination. `replay` marks it as an operator's replay.
   */
  restart(id: number, destination: string, options: { replay: boolean }): boolean;
  /** Pending, in-flight and dead deliveries, each with the number its message went to. */
  unfinished(): UnfinishedDelivery[];
  /** Dead deliveries, each with the number its message went to. */
  deadOnes(): UnfinishedDelivery[];
  /** How many deliveries to one destination are dead. */
  deadCount(kind: DeliveryChannel, destination: string): number;
  /** The failing deliveries to one destination (an error recorded, not delivered), most recently tried first. */
  failing(kind: DeliveryChannel, destination: string, limit: number): FailingDelivery[];
  /**
   * The delivery a pending one waits behind: the first of its conversation to its destination, earlier than it, still
   * pending or in flight (what `claimDue` holds it back for); undefined when it is its conversation's head. A read for
   * Slack posts, never made by the relay itself.
   */
  conversationHead(
    delivery: Pick<Delivery, 'id' | 'destinationKind' | 'destination' | 'conversationKey'>,
  ): Pick<Delivery, 'id' | 'status' | 'attempts'> | undefined;
  get(id: number): Delivery | undefined;
  forMessage(inboundMessageId: number): Delivery[];
  backlog(): DestinationBacklog[];
  /** Runs several updates as one commit (the outcomes of a batch). */
  inTransaction<T>(work: () => T): T;
}
