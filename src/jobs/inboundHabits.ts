import { ALERT_RULE } from '../core/alertRules.js';
import type { Alert } from '../core/model/alert.js';
import type { TrafficRepository } from '../core/ports/traffic.js';
import type { InboundHabit } from '../core/watchRules.js';

const DAY = 86_400_000;
const HABIT_DAYS = 7;

/**
 * The habit is the week before the last SMS, not the last week: counted up to now, each silent day wore it down until
 * the number no longer "usually" got SMS and its alert resolved itself with nothing received.
 */
function measured(traffic: Pick<TrafficRepository, 'lastInboundAt' | 'inboundDailyAverage'>, number: string): InboundHabit {
  const lastInboundAt = traffic.lastInboundAt(number);
  return {
    number,
    lastInboundAt,
    dailyAverage: lastInboundAt === null ? 0 : traffic.inboundDailyAverage(number, HABIT_DAYS, lastInboundAt + 1),
  };
}

/** What an open alert recorded when it fired; absent for alerts recorded before it kept the last SMS's time. */
function recorded(alert: Alert): InboundHabit | undefined {
  const usualDaily = alert.facts?.usualDaily;
  const lastInboundAt = alert.facts?.lastInboundAt;
  if (typeof usualDaily !== 'number' || typeof lastInboundAt !== 'number') return undefined;
  return { number: alert.subjectKey, dailyAverage: usualDaily, lastInboundAt };
}

/**
 * The numbers inbound_stopped judges: those that got SMS in the last week, and those whose alert is open however long
 * their silence (it lasted only until their last SMS left the week). An open alert keeps the habit it recorded until
 * an SMS newer than its last arrives, since retention may have deleted the messages that measured it.
 */
export function readInboundHabits(
  traffic: Pick<TrafficRepository, 'perNumber' | 'lastInboundAt' | 'inboundDailyAverage'>,
  openAlerts: readonly Alert[],
  now: number,
): InboundHabit[] {
  const habits = new Map<string, InboundHabit>();
  for (const row of traffic.perNumber(now - HABIT_DAYS * DAY, now)) {
    if (row.inbound > 0) habits.set(row.number, measured(traffic, row.number));
  }
  for (const alert of openAlerts) {
    if (alert.rule !== ALERT_RULE.inboundStopped) continue;
    const current = habits.get(alert.subjectKey) ?? measured(traffic, alert.subjectKey);
    const kept = recorded(alert);
    const arrivedSince = kept === undefined || (current.lastInboundAt ?? 0) > (kept.lastInboundAt ?? 0);
    habits.set(alert.subjectKey, arrivedSince ? current : kept);
  }
  return [...habits.values()];
}
