import cron from 'node-cron';

/**
 * A cron expression on a wall clock that never changes offset: which wall times (as UTC epoch ms, see src/core/zoneClock.ts)
 * it names. node-cron parses it, so what config accepts is read the same here; the day rules (L, W, L-n, nL, n#k, and
 * day of month AND day of week) are node-cron 4's, kept so a schedule names the days it named before.
 */
export interface CronCalendar {
  /** The first wall time at or after `from`, before `until`; null when none (a day rule no date meets, say). */
  firstFrom(from: number, until?: number): number | null;
  /**
   * Whether it is a fixed-time schedule: one second of one minute at chosen hours (`30 3 * * *`, `0 8 * * 1-5`,
   * `0 *\/6 * * *`), as against one that runs several times an hour or every hour (`*\/5 * * * *`, `30 * * * *`).
   */
  fixedTime: boolean;
}

type DayToken = number | string;

const DAY_MS = 86_400_000;
/** As far as node-cron looks for a date (a leap day that must be a Monday comes every 28 years or so). */
const MAX_DAYS = 366 * 100;

export function cronCalendar(expression: string): CronCalendar {
  const fields = cron.parse(expression);
  const seconds = ascending(fields.second);
  const minutes = ascending(fields.minute);
  const hours = ascending(fields.hour);
  const months = new Set(fields.month);
  const dayMatches = (year: number, month: number, day: number) =>
    months.has(month) &&
    matchesDayOfMonth(fields.dayOfMonth, year, month, day) &&
    matchesDayOfWeek(fields.dayOfWeek, year, month, day);

  /** The first time of day (ms since midnight) at or after `from` (ms since midnight) the schedule names. */
  const timeOfDay = (from: number): number | null => {
    const [h0, m0] = [Math.floor(from / 3_600_000), Math.floor(from / 60_000) % 60];
    for (const h of hours) {
      if (h < h0) continue;
      for (const m of minutes) {
        if (h === h0 && m < m0) continue;
        for (const s of seconds) {
          const at = ((h * 60 + m) * 60 + s) * 1000;
          if (at >= from) return at;
        }
      }
    }
    return null;
  };

  return {
    fixedTime: seconds.length === 1 && minutes.length === 1 && hours.length < 24,
    firstFrom: (from, until = Number.POSITIVE_INFINITY) => {
      let day = Math.floor(from / DAY_MS) * DAY_MS;
      for (let i = 0; i < MAX_DAYS && day < until; i += 1, day += DAY_MS) {
        const date = new Date(day);
        if (!dayMatches(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate())) continue;
        const time = timeOfDay(i === 0 ? from - day : 0);
        if (time === null) continue;
        return day + time < until ? day + time : null;
      }
      return null;
    },
  };
}

function ascending(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

function lastDayOfMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** The weekday nearest `target` within its month (`15W`, `LW`); -1 when the month has no such day. */
function nearestWeekday(year: number, month: number, target: number): number {
  const last = lastDayOfMonth(year, month);
  if (target < 1 || target > last) return -1;
  const weekday = weekdayOf(year, month, target);
  if (weekday === 6) return target === 1 ? target + 2 : target - 1;
  if (weekday === 0) return target === last ? target - 2 : target + 1;
  return target;
}

function matchesDayOfMonth(field: readonly DayToken[], year: number, month: number, day: number): boolean {
  const last = lastDayOfMonth(year, month);
  return field.some((token) => {
    if (typeof token === 'number') return token === day;
    if (token === 'L') return day === last;
    const weekday = /^(\d{1,2}|L)W$/.exec(token);
    if (weekday?.[1] !== undefined) {
      const target = weekday[1] === 'L' ? last : Number(weekday[1]);
      return nearestWeekday(year, month, target) === day;
    }
    const beforeLast = /^L-(\d{1,2})$/.exec(token);
    if (beforeLast?.[1] !== undefined) return last - Number(beforeLast[1]) === day;
    return false;
  });
}

function matchesDayOfWeek(field: readonly DayToken[], year: number, month: number, day: number): boolean {
  const weekday = weekdayOf(year, month, day);
  return field.some((token) => {
    if (typeof token === 'number') return token % 7 === weekday;
    const nth = /^([0-7])#([1-5])$/.exec(token);
    if (nth?.[1] !== undefined && nth[2] !== undefined)
      return Number(nth[1]) % 7 === weekday && Math.floor((day - 1) / 7) + 1 === Number(nth[2]);
    const last = /^([0-7])L$/i.exec(token);
    if (last?.[1] !== undefined) return Number(last[1]) % 7 === weekday && day + 7 > lastDayOfMonth(year, month);
    return false;
  });
}
