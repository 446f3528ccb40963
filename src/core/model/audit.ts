/** A reply sent from a Slack thread: its target and `params.to` are the customer's number (Wavix digits). */
export const REPLY_AUDIT_ACTION = 'conversation.reply';

/** How `/sms forget` is audited: its target is the number masked, never the number itself. */
export const FORGET_ACTION = 'customer.forget';

/**
 * Audited actions whose target (and `params.to`) is a customer's number, masked past RETENTION_DAYS by the retention
 * run (src/store/retention/tables.ts): the entry outlives the conversation it names.
 */
export const CUSTOMER_NUMBER_AUDIT_ACTIONS = [REPLY_AUDIT_ACTION] as const;

export type AuditOutcome = 'ok' | 'refused' | 'failed' | 'unknown';

export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  params: Record<string, unknown>;
  outcome: AuditOutcome;
  detail: string | null;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at' | 'target' | 'params' | 'detail'> &
  Partial<Pick<AuditEntry, 'target' | 'params' | 'detail'>>;

/**
 * The detail of a change recorded before it runs (performChange), outcome `unknown` until it completes: a stop or a
 * crash in between leaves the audit saying it was asked, since Wavix may have acted on it.
 */
export const CHANGE_IN_PROGRESS = 'in progress: not finished yet';
/** What an entry still in progress says once smsops stopped before it finished (at the stop, or the next start). */
export const CHANGE_INTERRUPTED = 'smsops stopped before it finished: what it asked Wavix may or may not have been done';
/** The same for a change smsops makes in its own database alone (a route, an alert setting): one transaction. */
export const LOCAL_CHANGE_INTERRUPTED =
  "smsops stopped before it finished: nothing was asked of Wavix, and the change was made whole in smsops' database or not at all (the current state says which)";
/** Audited changes that ask nothing of Wavix. */
export const LOCAL_CHANGE_ACTIONS = [
  'route.set',
  'route.remove',
  'alerts.set',
  'alerts.acknowledge',
  'alerts.snooze',
  'alerts.mute',
  'alerts.unmute',
  'alerts.retry',
  'doctor.ignore',
  'doctor.unignore',
  'senderid.reject',
  'customer.forget',
] as const;
