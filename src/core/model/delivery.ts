export type DeliveryStatus = 'pending' | 'in_flight' | 'delivered' | 'dead';
/** Which leg a relayed message takes: PortSIP's webhook, or a Slack channel. */
export type DeliveryChannel = 'portsip' | 'slack';

/** How much of a failed attempt's error is kept: enough to diagnose, bounded whatever the destination answered. */
export const LAST_ERROR_MAX_CHARS = 500;

export interface Delivery {
  id: number;
  inboundMessageId: number;
  destinationKind: DeliveryChannel;
  destination: string;
  conversationKey: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  leaseUntil: number | null;
  lastAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  /** Attempts in a row that failed the same deterministic way (reset by any other outcome). */
  deterministicFailures: number;
  createdAt: number;
  deliveredAt: number | null;
  deadAt: number | null;
  /** Death is judged from here: arrival, or the last replay or move to another destination (a fresh window). */
  retryWindowStartedAt: number;
  /** When an operator last replayed it; null if never. */
  replayedAt: number | null;
  /** When an attempt of it was last given back unfinished (a stop or crash during it, a lease run out): maybe sent twice. */
  releasedAt: number | null;
}

/** A delivery not delivered yet (or dead), with the number its message was sent to: what a route change may move. */
export interface UnfinishedDelivery {
  id: number;
  destinationKind: DeliveryChannel;
  destination: string;
  status: DeliveryStatus;
  /** The message's `to`, in Wavix's digits form. */
  toNumber: string;
}

/** A delivery in flight, as a log line names it (the Wavix id an operator greps for, never the message's numbers). */
export interface InFlightDelivery {
  wavixMessageId: string;
  destinationKind: DeliveryChannel;
  destination: string;
}

/** One failing (pending with an error, or dead) delivery, for `/sms relay status`. */
export interface FailingDelivery {
  id: number;
  wavixMessageId: string;
  toNumber: string;
  status: DeliveryStatus;
  attempts: number;
  lastAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string;
}

/**
 * The Slack "destination" of the messages still in the Slack leg's queue (no Slack delivery yet, so no channel chosen:
 * the route in force when their turn comes decides it). In the backlog as one entry, so that their count and age are
 * seen and alerted on like any destination's.
 */
export const SLACK_QUEUE_DESTINATION = '';

export interface DestinationBacklog {
  destinationKind: DeliveryChannel;
  destination: string;
  pending: number;
  oldestPendingCreatedAt: number | null;
  dead: number;
  lastDeliveredAt: number | null;
}
