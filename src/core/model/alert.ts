export type AlertSeverity = 'info' | 'warning' | 'critical';

/**
 * What each alert rule records: plain values and codes, never text for people. The Slack view (slack/ui/alerts.ts)
 * turns them into words, so the wording can change without a migration and no caller writes mrkdwn.
 */
export interface AlertFactsByRule {
  failure_rate: { number: string; failed: number; finished: number; topFailure: string | null; thresholdPct: number };
  relay_backlog: {
    destinationKind: 'portsip' | 'slack';
    destination: string;
    pending: number;
    oldestAgeMs: number;
    /** Set while it is kept open after the backlog cleared (core/watchRules.ts): nothing waits, `pending` is what did. */
    cleared?: true;
  };
  relay_dead: {
    destinationKind: 'portsip' | 'slack';
    destination: string;
    /** `repeated`: the same failure again and again (set aside); `expired`: undelivered for `deadAfterHours`. */
    cause: 'repeated' | 'expired';
    /** The destination's last answer, as its status only (the channel is read by everyone). */
    lastAnswer: string;
    deadAfterHours: number;
    /**
     * Set once a delivery to the destination got through again while this many stay dead: nothing retries them
     * until a replay, so the alert stays open and says so.
     */
    stillDead?: number;
    /** Dead SMS to it that retention deleted (older than RETENTION_DAYS) before anyone replayed them: lost, not sent. */
    deletedUnsent?: number;
    /** Dead SMS to it that `/sms forget` removed with the rest of a customer's records: lost, not sent. */
    forgottenUnsent?: number;
  };
  relay_stalled: { problems: string[] };
  /** `lastInboundAt` keeps the alert (and its habit) open after retention deleted the messages; older ones lack it. */
  inbound_stopped: { number: string; silentForMs: number; usualDaily: number; lastInboundAt?: number };
  config_drift:
    | { scope: 'account'; previousSecret?: true }
    | { scope: 'number'; e164: string; display: string; problems: NumberDriftProblem[] }
    /** Many routed numbers gone at once (a key of another account or sub-account, a bulk release): one alert. */
    | { scope: 'numbers_gone'; count: number; examples: string[] };
  balance_low: { balanceUsd: number; thresholdUsd: number };
  sender_id_rejected: { senderId: string; senderIdType: string; country: string; reason: string | null };
  /** `source: 'watch'`: the traffic watch's reads (numbers, balance, outbound records), else the Sender ID checks. */
  wavix_unreachable: { runs: number; lastError: string; source?: 'watch' };
  backup_failed: { reason: string };
  /** Slack's own time (its answer's Date) said this host's clock is this far ahead (negative: behind), past 5 minutes. */
  host_clock_off: { aheadSeconds: number; slackSaidAt: number };
  ten_dlc: {
    kind: 'brand' | 'campaign' | 'number';
    brandId: string;
    campaignId: string | null;
    number: string | null;
    status: string;
    brandLabel: string | null;
    campaignLabel: string | null;
  };
}

export type NumberDriftProblem =
  | { code: 'own_webhook_elsewhere'; webhook: string }
  /** Its own webhook is smsops' URL with a previous webhook secret: taken while WEBHOOK_SECRET_PREVIOUS holds it. */
  | { code: 'own_webhook_previous_secret' }
  | { code: 'follows_foreign_default' }
  | { code: 'no_webhook' }
  | { code: 'inbound_deactivated' }
  /** Gone from the Wavix account (released, ported away, moved to another sub-account) while smsops routes it. */
  | { code: 'not_on_account' };

export type AlertRuleName = keyof AlertFactsByRule;

/** An alert condition as a rule sees it: what, about whom, how bad, and its facts. */
export type RaisedAlert = {
  [R in AlertRuleName]: {
    rule: R;
    subjectKey: string;
    severity: AlertSeverity;
    facts: AlertFactsByRule[R];
    details?: Record<string, unknown>;
  };
}[AlertRuleName];

export interface Alert {
  id: number;
  rule: string;
  subjectKey: string;
  status: 'open' | 'resolved';
  severity: AlertSeverity;
  /** The rule's facts; null for alerts recorded before they were kept as data (then `summary` is their text). */
  facts: Record<string, unknown> | null;
  /** Text written by the caller, kept only for alerts recorded before migration 018 (empty for newer ones). */
  summary: string;
  details: Record<string, unknown>;
  openedAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  /** Where the alert is shown (the channel and message edited in place), once it was. */
  slackChannel: string | null;
  slackTs: string | null;
  /** Who acknowledged this episode, when, and at which severity (a rise above it is said and ends the acknowledgement). */
  acknowledged: { by: string; at: number; severity: AlertSeverity } | null;
  /** Why nothing about it notifies the channel now: its rule and subject snoozed until a time, or its rule muted. */
  quiet: AlertQuiet | null;
}

export type AlertQuiet = { kind: 'snoozed'; until: number; by: string; at: number } | { kind: 'muted'; by: string; at: number };

/** A rule switched off in Slack: still evaluated and recorded, never posted until unmuted. */
export interface AlertMute {
  rule: string;
  by: string;
  at: number;
}

const SEVERITY_RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };

/** Whether an acknowledged alert became more severe than it was when acknowledged. */
export const worseThanAcknowledged = (alert: Pick<Alert, 'severity' | 'acknowledged'>): boolean =>
  alert.acknowledged !== null && SEVERITY_RANK[alert.severity] > SEVERITY_RANK[alert.acknowledged.severity];

/** The facts of a stored alert, typed by its rule; undefined for an old text-only row. */
export function alertFacts<R extends AlertRuleName>(
  alert: Pick<Alert, 'rule' | 'facts'>,
  rule: R,
): AlertFactsByRule[R] | undefined {
  return alert.rule === rule && alert.facts ? (alert.facts as unknown as AlertFactsByRule[R]) : undefined;
}
