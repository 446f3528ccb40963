/**
 * A time zone's wall clock as arithmetic on instants (epoch ms). A wall-clock time is written as the epoch ms it would
 * be in UTC ("wall ms"), so `wall = instant + offset`, and a change of offset (a daylight-saving change) is where
 * that sum jumps forward (a gap: wall times that never show) or back (wall times shown twice).
 */

/** Offset changes are found by sampling this far apart: tzdb has no two changes of one zone this close together. */
const SAMPLE_MS = 6 * 3_600_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string | undefined): Intl.DateTimeFormat {
  const key = zone ?? '';
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      ...(zone ? { timeZone: zone } : {}),
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(key, format);
  }
  return format;
}

/** The wall clock of `zone` (the process' zone when undefined) at `instant`, to the second. */
export function wallAt(instant: number, zone: string | undefined): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return Date.UTC(year, month - 1, day, hour % 24, minute, second);
}

/**
 * The instant `zone`'s wall clock reads `wall` (wall ms): a wall time shown twice, its first showing; one a change
 * skips, where it would be on the clock before the change (just after the gap, by as much as it was inside it). So the
 * same wall time a day before a fixed-time cron run is where that day's run was (cronSlots' rule).
 */
export function instantAt(wall: number, zone: string | undefined): number {
  const guess = wall - offsetAt(wall, zone);
  const before = wall - offsetAt(guess - SAMPLE_MS, zone);
  const after = wall - offsetAt(guess + SAMPLE_MS, zone);
  const shows = (instant: number) => wallAt(instant, zone) === Math.floor(wall / 1000) * 1000;
  if (shows(before)) return shows(after) ? Math.min(before, after) : before;
  return shows(after) ? after : before;
}

/** How far `zone`'s wall clock is ahead of UTC at `instant` (ms, whole seconds). */
export function offsetAt(instant: number, zone: string | undefined): number {
  return wallAt(instant, zone) - Math.floor(instant / 1000) * 1000;
}

export interface OffsetChange {
  /** The first instant of the new offset (a whole second). */
  at: number;
  before: number;
  after: number;
}

/** The first change of offset after `from` and at or before `until`, or null. */
export function nextOffsetChange(from: number, until: number, zone: string | undefined): OffsetChange | null {
  const before = offsetAt(from, zone);
  let low = Math.floor(from / 1000) * 1000;
  while (low < until) {
    const high = Math.min(low + SAMPLE_MS, until);
    if (offsetAt(high, zone) !== before) return { at: bisect(low, high, before, zone), before, after: offsetAt(high, zone) };
    low = high;
  }
  return null;
}

/** The first whole second in (low, high] whose offset is not `before`; `high`'s is not. */
function bisect(low: number, high: number, before: number, zone: string | undefined): number {
  let [lo, hi] = [Math.floor(low / 1000), Math.ceil(high / 1000)];
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid * 1000, zone) === before) lo = mid;
    else hi = mid;
  }
  return hi * 1000;
}

/** `instant` as the zone's wall clock writes it, with its offset: 2026-10-25T01:30:00.000+01:00 (Z for UTC). */
export function localIso(instant: number, zone: string | undefined): string {
  const offset = offsetAt(instant, zone);
  const wall = new Date(instant + offset).toISOString().slice(0, -1);
  if (offset === 0) return `${wall}Z`;
  const minutes = Math.round(Math.abs(offset) / 60_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${wall}${offset > 0 ? '+' : '-'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}
