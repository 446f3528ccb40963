/**
 * Counts and durations as people write them, shared by Slack answers and job summaries: "1 route proposal",
 * "no alert conditions", "11 h 37 min" — never "(s)" or "697 min".
 */

/** "no alert conditions", "1 route proposal", "2 route proposals"; `many` for irregular plurals. */
export function plural(n: number, one: string, many = `${one}s`): string {
  if (n === 0) return `no ${many}`;
  return `${n} ${n === 1 ? one : many}`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "45 s", "12 min", "11 h 37 min", "3 d 4 h": the two largest units, rounded to the smaller one. */
export function duration(ms: number): string {
  const t = Math.max(0, ms);
  if (t < MINUTE) return `${Math.round(t / 1000)} s`;
  if (t < HOUR - MINUTE / 2) return `${Math.round(t / MINUTE)} min`;
  if (t < DAY - MINUTE / 2) {
    const minutes = Math.round(t / MINUTE);
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  const hours = Math.round(t / HOUR);
  const d = Math.floor(hours / 24);
  const h = hours % 24;
  return h === 0 ? `${d} d` : `${d} d ${h} h`;
}

/**
 * A wait someone else asked for (Wavix's Retry-After), in words: past a day it is "more than a day". Such a header is
 * whatever the server or a proxy in between wrote: 10^17 seconds read "Wavix asks to wait 1157407407407407 d".
 */
export function askedWaitInWords(ms: number): string {
  return ms > DAY ? 'more than a day' : duration(ms);
}

/** A step back of the wall clock smaller than this reads as rounding, not as the clock having gone back. */
export const CLOCK_BACK_MS = 1_000;

/**
 * An age read off the wall clock ("12 min"); negative, the clock went back since (an SMS stored "later" than now), and
 * it says so instead of "0 s", which read as nothing waiting long while the relay may have sat still.
 */
export function clockAge(ms: number): string {
  return ms > -CLOCK_BACK_MS ? duration(ms) : `unknown: the clock went back ${duration(-ms)} or more since`;
}

/** A duration of at least a minute, for "open for …" and "… ago" where seconds would be noise. */
export const durationInMinutes = (ms: number): string => duration(Math.max(MINUTE, Math.round(ms / MINUTE) * MINUTE));

/**
 * What a cut list left out and how to see it, worded the same for every list smsops shows: "…and 275 more numbers —
 * `/sms numbers page 2` shows the next ones". Nothing when nothing was left out.
 */
export function andMore(hidden: number, noun: { one: string; many?: string }, how: string): string {
  if (hidden <= 0) return '';
  return `…and ${hidden} more ${hidden === 1 ? noun.one : (noun.many ?? `${noun.one}s`)} — ${how}`;
}

/** "DE", "DE and GB", "DE, FR and GB": a list as a sentence says it. */
export function listInWords(items: readonly string[], conjunction = 'and'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items.at(-1)}`;
}
