/**
 * Wavix's times, read as ISO 8601 says rather than as V8's Date.parse guesses: Wavix only promises "ISO 8601", and
 * valid forms Date.parse refuses (`+00`, `20261127T173400Z`, `17:34:00,5`, a space before the offset) dropped
 * outbound messages from the traffic watch, while dates that do not exist (`2026-02-29`) were quietly moved to the
 * next month. Calendar, ordinal and week dates, basic or extended; a time without a zone is UTC (Wavix's examples
 * omit it). Also taken: a space instead of `T` and before the offset (RFC 3339 and SQL write them so).
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

// Wavix has no message from before 2000, and a year past 2100 is a broken clock or field: either is "not a time".
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2101, 0, 1);

const CALENDAR = /^(\d{4})-(\d{2})-(\d{2})$|^(\d{4})(\d{2})(\d{2})$/;
const ORDINAL = /^(\d{4})-?(\d{3})$/;
const WEEK = /^(\d{4})-?W(\d{2})-?(\d)$/;
// Hours, then perhaps minutes and seconds, with colons between or none; the last one given may have a fraction (ISO 8601
// allows a comma or a dot).
const TIME = /^(\d{2})(?:(:?)(\d{2})(?:\2(\d{2}))?)?(?:[.,](\d+))?$/;
// Z, or ±hh, ±hhmm, ±hh:mm (U+2212 is ISO's own minus sign), after at most one space.
const ZONE = /(?: ?([Zz])| ?([+\-\u2212])(\d{2})(?::?(\d{2}))?)$/;

// The form Wavix's examples use (`2026-11-25T10:00:00Z`, perhaps with milliseconds): read in one match, as the general
// reading below would read it; anything else (24:00, other zones, basic forms) takes that reading.
const WAVIX_FORM = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:\.(\d{1,9}))?Z$/;

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const daysInMonth = (year: number, month: number) =>
  month === 2 ? (isLeap(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/** Monday of ISO week 1: the week holding 4 January. */
function weekOneMonday(year: number): number {
  const jan4 = Date.UTC(year, 0, 4);
  return jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
}

/** Midnight UTC of the date, or null for one that does not exist (no rollover into the next month or year). */
function dateStart(text: string): number | null {
  const calendar = CALENDAR.exec(text);
  if (calendar) {
    const [y, m, d] = (calendar[1] ? calendar.slice(1, 4) : calendar.slice(4, 7)).map(Number) as [number, number, number];
    if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null;
    return Date.UTC(y, m - 1, d);
  }
  const ordinal = ORDINAL.exec(text);
  if (ordinal) {
    const year = Number(ordinal[1]);
    const day = Number(ordinal[2]);
    if (day < 1 || day > (isLeap(year) ? 366 : 365)) return null;
    return Date.UTC(year, 0, day);
  }
  const week = WEEK.exec(text);
  if (week) {
    const year = Number(week[1]);
    const w = Number(week[2]);
    const d = Number(week[3]);
    // 28 December is always in a year's last week.
    const weeks = Math.floor((Date.UTC(year, 11, 28) - weekOneMonday(year)) / (7 * DAY_MS)) + 1;
    if (w < 1 || w > weeks || d < 1 || d > 7) return null;
    return weekOneMonday(year) + ((w - 1) * 7 + d - 1) * DAY_MS;
  }
  return null;
}

/** Milliseconds into the day, or null for a time that does not exist; 24:00 is the end of the day, as ISO allows. */
function timeOfDay(text: string): number | null {
  const time = TIME.exec(text);
  if (!time) return null;
  const hours = Number(time[1]);
  const minutes = time[3] === undefined ? undefined : Number(time[3]);
  const seconds = time[4] === undefined ? undefined : Number(time[4]);
  const fraction = time[5] === undefined ? 0 : Number(`0.${time[5]}`);
  if (hours > 24 || (minutes ?? 0) > 59 || (seconds ?? 0) > 59) return null;
  if (hours === 24 && ((minutes ?? 0) !== 0 || (seconds ?? 0) !== 0 || fraction !== 0)) return null;
  // The fraction belongs to the last unit given (17:34,5 is 17:34:30).
  const unit = seconds !== undefined ? 1000 : minutes !== undefined ? MINUTE_MS : HOUR_MS;
  return hours * HOUR_MS + (minutes ?? 0) * MINUTE_MS + (seconds ?? 0) * 1000 + Math.floor(fraction * unit);
}

/** The zone's offset east of UTC in ms and where it starts in `text`; none is UTC. */
function zoneOf(text: string): { offsetMs: number; at: number } | null {
  const zone = ZONE.exec(text);
  if (!zone) return { offsetMs: 0, at: text.length };
  if (zone[1]) return { offsetMs: 0, at: zone.index };
  const hours = Number(zone[3]);
  const minutes = zone[4] === undefined ? 0 : Number(zone[4]);
  if (hours > 23 || minutes > 59) return null;
  return { offsetMs: (zone[2] === '+' ? 1 : -1) * (hours * HOUR_MS + minutes * MINUTE_MS), at: zone.index };
}

/**
 * The instant an ISO 8601 date or date-time names, in ms since the epoch; null when the text is not one, names a
 * date or time that does not exist, or lies outside 2000–2100.
 */
export function parseIsoTime(text: string | null | undefined): number | null {
  if (typeof text !== 'string') return null;
  const wavix = WAVIX_FORM.exec(text);
  if (wavix) {
    const year = Number(wavix[1]);
    const month = Number(wavix[2]);
    const date = Number(wavix[3]);
    if (month < 1 || month > 12 || date < 1 || date > daysInMonth(year, month)) return null;
    const fraction = wavix[7] === undefined ? 0 : Math.floor(Number(`0.${wavix[7]}`) * 1000);
    const ms =
      Date.UTC(year, month - 1, date) +
      Number(wavix[4]) * HOUR_MS +
      Number(wavix[5]) * MINUTE_MS +
      Number(wavix[6]) * 1000 +
      fraction;
    return ms >= EARLIEST && ms < LATEST ? ms : null;
  }
  const trimmed = text.trim();
  const separator = trimmed.search(/[Tt ]/);
  if (separator === -1) {
    const day = dateStart(trimmed);
    return day !== null && day >= EARLIEST && day < LATEST ? day : null;
  }
  const day = dateStart(trimmed.slice(0, separator));
  if (day === null) return null;
  const rest = trimmed.slice(separator + 1);
  const zone = zoneOf(rest);
  if (zone === null) return null;
  const time = timeOfDay(rest.slice(0, zone.at));
  if (time === null) return null;
  const ms = day + time - zone.offsetMs;
  return ms >= EARLIEST && ms < LATEST ? ms : null;
}
