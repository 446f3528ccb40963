import type { Alert } from '../model/alert.js';
import type { Delivery } from '../model/delivery.js';
import type { InboundMessage } from '../model/inboundMessage.js';
import type { trafficReport } from '../traffic.js';
import type { ReplyNotifier } from './replyNotifier.js';

// Everything smsops says in Slack outside an interaction goes through this one port. Events carry data (numbers,
// ids, statuses, counts, reasons as codes and plain values), never text: the Slack implementation
// (slack/notifier/) renders them with slack/ui.

/** One Sender ID's country decisions not announced yet. */
export interface SenderIdDecided {
  type: 'senderIdDecided';
  senderId: {
    value: string;
    type: 'alphanumeric' | 'numeric' | 'shortcode';
    wavixId: string;
    origin: 'smsops' | 'wavix_portal';
    /** The Slack user who asked for it through smsops. */
    requestedBy: string | null;
  };
  /** The request's announcement: the decisions are posted in its thread. Absent or null: top-level. */
  announcement?: { channel: string; ts: string } | null;
  decisions: Array<{ country: string; status: 'pending' | 'approved' | 'rejected' | 'removed'; reason: string | null }>;
}

/**
 * A Sender ID gone from Wavix (deleted in the Wavix portal), said once: where it could send (`approvedIn`, every
 * country approved when it went, announced or not) and what was still waiting for a carrier (`pendingIn`).
 */
export interface SenderIdDeleted {
  type: 'senderIdDeleted';
  senderId: SenderIdDecided['senderId'];
  announcement?: { channel: string; ts: string } | null;
  deletedAt: number;
  /** The Slack user who deleted it through smsops; absent or null: it went from Wavix's list (the Wavix portal). */
  deletedBy?: string | null;
  approvedIn: string[];
  pendingIn: string[];
}

/** A US 10DLC brand, campaign or number whose status changed. */
export interface TenDlcStatusChanged {
  type: 'tenDlcStatusChanged';
  kind: 'brand' | 'campaign' | 'number';
  brandId: string;
  campaignId: string | null;
  number: string | null;
  status: string;
  /** Null when first seen. */
  previousStatus: string | null;
  source: 'baseline' | 'poll' | 'webhook';
  brandLabel: string | null;
  campaignLabel: string | null;
}

/** The last 24 hours: figures, hourly series (for the chart) and the alerts still open. */
export interface DailyDigest {
  type: 'dailyDigest';
  report: Awaited<ReturnType<typeof trafficReport>>;
  openAlerts: readonly Alert[];
  /** Alerts resolved within the 24 hours: a night of flaps all resolved by morning is not "no alerts". */
  endedAlerts: readonly Alert[];
}

/**
 * The relay is stalled and the database cannot record the alert (alerts live in it): said directly, once per outage.
 * `problems` are the relay health's reasons.
 */
export interface RelayStallUnrecorded {
  type: 'relayStallUnrecorded';
  problems: string[];
}

/** The stall announced by `RelayStallUnrecorded` is over. */
export interface RelayRecoveredUnrecorded {
  type: 'relayRecoveredUnrecorded';
}

export type Announcement =
  | SenderIdDecided
  | SenderIdDeleted
  | TenDlcStatusChanged
  | DailyDigest
  | RelayStallUnrecorded
  | RelayRecoveredUnrecorded;

/** The alert lifecycle as the channel sees it (the state itself is in the alerts table, see core/alerts.ts). */
export type AlertEvent =
  /**
   * New, or open without a message yet: shown once. `reannounced`: its snooze ended while it still fires, so it is
   * posted anew (at the bottom of the channel, notifying) and its earlier message says so.
   */
  | { type: 'alertRaised'; alert: Alert; reannounced?: boolean }
  /**
   * What people read changed (facts, severity, acknowledgement, snooze): its message is edited in place, which
   * notifies nobody. `worsenedFrom`: it became more severe than when it was acknowledged (the acknowledgement ended);
   * that is said in its thread, to the channel and to whoever acknowledged it.
   */
  | { type: 'alertUpdated'; alert: Alert; worsenedFrom?: { severity: Alert['severity']; acknowledgedBy: string } }
  /** `quietly`: snoozed or muted, so the message is edited but the thread reply is not sent to the channel. */
  | { type: 'alertResolved'; alert: Alert; quietly?: boolean };

/** Where an alert's message now is (recorded with the alert so later events edit it). */
export interface AlertShownAt {
  channel: string;
  /** Null when Slack accepted the post without saying its ts: posted (never again), but not editable. */
  ts: string | null;
}

/** Why an alert could not be shown, from a fixed list (a /metrics label), and what it means in words. */
export const ALERT_NOT_SHOWN_REASONS = [
  'not_in_channel',
  'channel_not_found',
  'token_refused',
  'rate_limited',
  'no_answer',
  'refused',
  'cut_at_stop',
  'other',
] as const;
export interface AlertNotShown {
  reason: (typeof ALERT_NOT_SHOWN_REASONS)[number];
  /** Fixed words a person can act on (never Slack's own text): shown in /sms jobs, /healthz and the log. */
  words: string;
}

/** What `Notifier.alert` rejects with when it knows why: anything else is shown as reason `other`. */
export class AlertNotShownError extends Error {
  constructor(
    readonly notShown: AlertNotShown,
    options?: { cause?: unknown },
  ) {
    super(`the alert could not be shown in Slack: ${notShown.words}`, options);
    this.name = 'AlertNotShownError';
  }
}

/** One relayed SMS due in Slack: its delivery (the channel is its destination) and the stored message. */
export interface RelayedSms {
  delivery: Delivery;
  message: InboundMessage;
}

/** The outcome of posting one relayed SMS, in the outbox's terms. */
export interface RelayedSmsOutcome {
  delivered: boolean;
  statusCode: number | null;
  error?: string;
  /** Slack asked to wait (Retry-After, capped). */
  retryAfterMs?: number;
  /** Slack refuses this content: retrying as is cannot help. */
  deterministic?: boolean;
  /**
   * Nothing was sent (smsops stopped, or the relay gave up on the attempt, before the post's call): not an attempt,
   * the delivery is given back.
   */
  notAttempted?: boolean;
}

/** What the relay tells the Slack leg of the attempt a batch belongs to (the outbox's AttemptControl). */
export interface RelayedSmsAttempt {
  /** Aborted once the relay gave up on the attempt (its timeout, or the stop): a post not begun must not begin. */
  readonly signal: AbortSignal;
  /** Waiting for a turn of the pace: no timeout runs, and the deliveries stay leased. */
  waiting(): void;
  /** Calling Slack now: the attempt's timeout runs from here. */
  calling(): void;
  /** A delivery's outcome is known (its channel was posted): kept should the attempt time out on another channel. */
  settled(deliveryId: number, outcome: RelayedSmsOutcome): void;
}

/** The relay's Slack leg: relayed SMS posts and the in-place edits of their PortSIP state. */
export interface RelayedSmsPosts {
  /**
   * Posts a batch of due SMS (coalesced per channel): one outcome per item, in order. `onUnrecorded` is told when
   * Slack took a post that smsops could not remember (the SMS counts as delivered; it will not be threaded or edited).
   */
  post(
    batch: readonly RelayedSms[],
    hooks?: { onUnrecorded?: (error: unknown) => void; attempt?: RelayedSmsAttempt },
  ): Promise<RelayedSmsOutcome[]>;
  /** A message's PortSIP state changed (delivered, retrying, dead): its posts are edited in place. */
  portsipStateChanged(delivery: Delivery): void;
  /** Stops the in-place edits (waits for the one in flight). */
  stop(): Promise<void>;
}

export interface Notifier {
  /**
   * Says it once. Rejects when it could not be said: the caller keeps it unannounced and tries again later. Answers
   * where it was posted when that is one message a later alert can take over (the relay's unrecorded stall).
   */
  announce(event: Announcement): Promise<AlertShownAt | undefined>;
  /** Shows an alert's lifecycle; answers where a new message was posted. Rejects when it could not be shown. */
  alert(event: AlertEvent): Promise<AlertShownAt | null>;
  relayedSms: RelayedSmsPosts;
  /** Replies typed in relay threads: their status line, and why one was not sent. */
  replies: ReplyNotifier;
}
