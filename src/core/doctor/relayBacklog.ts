import { readThresholds } from '../alertRules.js';
import type { DestinationBacklog } from '../model/delivery.js';
import type { AlertsRepository } from '../ports/alerts.js';
import { clockAge } from '../wording.js';
import type { CheckStatus } from './types.js';

const MINUTE = 60_000;
const NO_SETTINGS: Pick<AlertsRepository, 'setting'> = { setting: () => undefined };

/** /healthz's backlog threshold (the relay backlog alert's `backlog_minutes`), in minutes; null when set off. */
export const backlogThresholdMinutes = (alerts: Pick<AlertsRepository, 'setting'> | undefined): number | null =>
  readThresholds(alerts ?? NO_SETTINGS).backlog_minutes;

/** "2 pending (oldest 3 min), 0 dead, last success never": a destination's figures as `/sms relay status` says them. */
function figures(b: DestinationBacklog, now: number, formatTime: (ms: number) => string): string {
  const oldest = b.oldestPendingCreatedAt !== null ? ` (oldest ${clockAge(now - b.oldestPendingCreatedAt)})` : '';
  const last = b.lastDeliveredAt !== null ? formatTime(b.lastDeliveredAt) : 'never';
  return `${b.pending} pending${oldest}, ${b.dead} dead, last success ${last}`;
}

/**
 * A destination judged by what is still owed to it, whatever the last 24 h of messages show (a busy route's hundreds
 * push a stuck one's few out of doctor's scan): a failure once its oldest pending SMS is older than the threshold at
 * which /healthz answers 503, a warning while nothing was delivered since that SMS arrived; null while it flows.
 */
export function backlogVerdict(
  b: DestinationBacklog | undefined,
  now: number,
  thresholdMinutes: number | null,
  formatTime: (ms: number) => string,
): { status: Extract<CheckStatus, 'failure' | 'warning'>; reason: string } | null {
  if (!b || b.pending === 0 || b.oldestPendingCreatedAt === null) return null;
  const age = now - b.oldestPendingCreatedAt;
  const said = figures(b, now, formatTime);
  const see = '`/sms relay status` lists them with their errors.';
  if (thresholdMinutes !== null && age > thresholdMinutes * MINUTE) {
    return {
      status: 'failure',
      reason: `${said}: older than the ${thresholdMinutes}-min backlog threshold, so /healthz answers 503 for it. ${see}`,
    };
  }
  if (b.lastDeliveredAt === null || b.lastDeliveredAt < b.oldestPendingCreatedAt) {
    const after = thresholdMinutes !== null ? ` (/healthz answers 503 once the oldest is over ${thresholdMinutes} min old)` : '';
    return { status: 'warning', reason: `${said}: nothing delivered since they arrived${after}. ${see}` };
  }
  return null;
}
