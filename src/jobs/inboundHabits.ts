import { performance } from 'node:perf_hooks';
import { ALERT_RULE } from '../core/alertRules.js';
import type { Alert } from '../core/model/alert.js';
import type { TrafficRepository } from '../core/ports/traffic.js';
import type { InboundHabit } from '../core/watchRules.js';
import { instantAt, wallAt } from '../core/zoneClock.js';

const DAY = 86_400_000;
const HABIT_DAYS = 7;
/**
 * How long the habits are read before the event loop gets a turn. Each number costs 9 indexed reads (about 50 µs):
 * read in one go, 20,000 numbers (random `to` numbers posted at the webhook, each its own) held the loop, so every
 * webhook's answer, for 0.9 s at each traffic watch (bench/trafficWatchLoop.ts; 3.9 to 5.5 s in a soak).
 */
const STEP_MS = 10;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

type HabitTraffic = Pick<TrafficRepository, 'lastInboundAt' | 'inboundDailyAverage' | 'inboundCount'>;

/** The window [from, to) `days` days back, in the team's hours; one per day back for all the numbers of a run. */
type DaysBack = (days: number) => readonly [number, number];

/**
 * The same wall-clock hours of earlier days in the team's zone (SCHEDULE_TIMEZONE): counted back in real 24-hour days,
 * the week before a daylight-saving change was read an hour off (a probe: a London business number quiet from 17:15
 * was "stopped" at 23:15 on the evening the clocks went forward, its evenings read as the week's 16:15 to 22:15).
 */
function daysBackIn(zone: string, now: number, windowMs: number): DaysBack {
  const windows = new Map<number, readonly [number, number]>();
  const wallNow = zone === 'UTC' ? now : wallAt(now, zone) + (now % 1000);
  return (days) => {
    let window = windows.get(days);
    if (!window) {
      const end = wallNow - days * DAY;
      window = zone === 'UTC' ? [end - windowMs, end] : [instantAt(end - windowMs, zone), instantAt(end, zone)];
      windows.set(days, window);
    }
    return window;
  };
}

/**
 * The habit is the week before the last SMS, not the last week: counted up to now, each silent day wore it down until
 * the number no longer "usually" got SMS and its alert resolved itself with nothing received.
 */
function measured(traffic: HabitTraffic, number: string, now: number, window: DaysBack | null): InboundHabit {
  const lastInboundAt = traffic.lastInboundAt(number);
  if (lastInboundAt === null) return { number, lastInboundAt, dailyAverage: 0 };
  return {
    number,
    lastInboundAt,
    dailyAverage: traffic.inboundDailyAverage(number, HABIT_DAYS, lastInboundAt + 1),
    ...(window === null ? {} : { usualInWindow: sameHoursAverage(traffic, number, now, window, lastInboundAt) }),
  };
}

/**
 * SMS the number got on average in the same hours of the day (the team's) as the silence window ending now, over the 7 days before its
 * last SMS: a business number quiet every night was "stopped" every midnight (a probe: a post and a broadcast
 * "Resolved after 9 h" each night, 14 notifications a week for nothing wrong). Days back from the first whose window
 * ended by the last SMS, so the silence being judged is not counted as its own habit.
 */
function sameHoursAverage(traffic: HabitTraffic, number: string, now: number, window: DaysBack, lastInboundAt: number) {
  let first = Math.max(1, Math.ceil((now - lastInboundAt - 1) / DAY));
  // A day of 25 hours may leave the window `first` days back just after the last SMS.
  while (first > 1 && window(first - 1)[1] <= lastInboundAt + 1) first -= 1;
  while (window(first)[1] > lastInboundAt + 1) first += 1;
  let sum = 0;
  for (let d = first; d < first + HABIT_DAYS; d++) {
    const [from, to] = window(d);
    sum += traffic.inboundCount(number, from, to);
  }
  return sum / HABIT_DAYS;
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
export async function readInboundHabits(
  traffic: HabitTraffic & Pick<TrafficRepository, 'inboundNumbersInSteps'>,
  openAlerts: readonly Alert[],
  now: number,
  /** The silence window (inbound_silence_hours), null when the rule is off: the same hours of earlier days are read. */
  windowMs: number | null = null,
  /** The zone whose hours of the day are "the same hours" (SCHEDULE_TIMEZONE). */
  zone = 'UTC',
  yieldLoop: () => Promise<void> = nextTurn,
): Promise<InboundHabit[]> {
  const window = windowMs === null ? null : daysBackIn(zone, now, windowMs);
  const habits = new Map<string, InboundHabit>();
  // The counts are read up to `now`, fixed before the first step: numbers read after a turn are judged at the same
  // instant as the first. An SMS stored meanwhile makes its number's last SMS newer (no silence), as it did when it
  // arrived while Wavix was being read, before the habits.
  let stepStart = performance.now();
  for (const number of await traffic.inboundNumbersInSteps(now - HABIT_DAYS * DAY, now)) {
    habits.set(number, measured(traffic, number, now, window));
    if (performance.now() - stepStart >= STEP_MS) {
      await yieldLoop();
      stepStart = performance.now();
    }
  }
  for (const alert of openAlerts) {
    if (alert.rule !== ALERT_RULE.inboundStopped) continue;
    const current = habits.get(alert.subjectKey) ?? measured(traffic, alert.subjectKey, now, window);
    const kept = recorded(alert);
    const arrivedSince = kept === undefined || (current.lastInboundAt ?? 0) > (kept.lastInboundAt ?? 0);
    // Open, it lasts until an SMS arrives: quiet hours later in its silence do not end it (nor post it again tomorrow).
    const { usualInWindow: _, ...withoutHours } = current;
    habits.set(alert.subjectKey, arrivedSince ? withoutHours : kept);
  }
  return [...habits.values()];
}
