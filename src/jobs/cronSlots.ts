import { nextOffsetChange, type OffsetChange, offsetAt } from '../core/zoneClock.js';
import { cronCalendar } from './cronCalendar.js';

/**
 * When a cron schedule read in a zone falls due, as real instants. node-cron 4 lost slots at daylight-saving changes
 * (no tick through the hour shown twice; a daily time inside the skipped hour not run that day), so the rule is ours,
 * cronie's:
 * - a schedule that runs several times an hour or every hour is real time: each instant whose wall clock matches
 *   is a slot, so through a change it goes on every N real minutes (the hour shown twice has its slots twice);
 * - a fixed-time schedule runs a wall time shown twice at its first showing only;
 * - any schedule's wall times a change skips run once, at the change (the first wall time after the gap).
 */
export interface CronSlots {
  /** The first slot strictly after `instant` (a whole second); null when none comes. */
  after(instant: number): number | null;
  /** A fixed-time schedule (one minute at chosen hours): a wall time it ran is not run again after the clock goes back. */
  fixedTime: boolean;
}

/** Longest a zone's clock is set back at once (tzdb's are an hour or two): how far back a time shown twice begins. */
const LONGEST_SETBACK_MS = 26 * 3_600_000;
const MAX_CHANGES = 10_000;

export function cronSlots(expression: string, zone: string | undefined): CronSlots {
  const calendar = cronCalendar(expression);

  /** The last change at or before `from` that can matter there (a real-time schedule only minds one at `from`). */
  const changeBefore = (from: number): OffsetChange | null => {
    let change: OffsetChange | null = null;
    let since = from - (calendar.fixedTime ? LONGEST_SETBACK_MS : 1000);
    for (let next = nextOffsetChange(since, from, zone); next; next = nextOffsetChange(since, from, zone)) {
      change = next;
      since = next.at;
    }
    return change;
  };

  return {
    fixedTime: calendar.fixedTime,
    after: (instant) => {
      const from = Math.floor(instant / 1000) * 1000 + 1000;
      let began = changeBefore(from);
      let lo = from;
      let offset = offsetAt(from, zone);
      for (let changes = 0; changes < MAX_CHANGES; changes += 1) {
        if (began && began.at >= from && began.after > began.before) {
          const skipped = calendar.firstFrom(began.at + began.before, began.at + began.after);
          if (skipped !== null) return began.at;
        }
        let wallFrom = lo + offset;
        // Wall times before this are the second showing of ones shown before the change.
        if (calendar.fixedTime && began && began.before > began.after) wallFrom = Math.max(wallFrom, began.at + began.before);
        const wall = calendar.firstFrom(wallFrom);
        if (wall === null) return null;
        const change = nextOffsetChange(lo, wall - offset, zone);
        if (!change) return wall - offset;
        began = change;
        lo = change.at;
        offset = change.after;
      }
      return null;
    },
  };
}
