import { offsetAt } from './core/zoneClock.js';

const UTC_NAMES = new Set(['utc', 'uct', 'etc/utc', 'gmt', 'etc/gmt', 'universal', 'zulu', 'z', ':utc', ':etc/utc']);

/**
 * tzdb's zones named after a country (links to its one city zone: GB is Europe/London, Japan Asia/Tokyo): as short as
 * an abbreviation but not one, they follow the country's daylight saving and are read as that country.
 */
const COUNTRY_ZONES = new Set(['gb', 'nz', 'prc', 'roc', 'rok', 'cuba', 'egypt', 'eire', 'iran', 'japan', 'libya']);

function isZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** "UTC+05:30" / "UTC-03:00" / "UTC" for an offset in ms. */
export function utcOffsetWords(offsetMs: number): string {
  if (offsetMs === 0) return 'UTC';
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `UTC${offsetMs > 0 ? '+' : '-'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/**
 * Time-zone settings that read fine but put the team's hours elsewhere, as warnings at start:
 * - TZ set (the usual way to give a container its zone) while SCHEDULE_TIMEZONE is not: smsops never reads TZ, so
 *   the digest's 08:00 and the day's Slack threads stay in UTC (an hour off a London summer, five off New York);
 * - an Etc/GMT±N zone, whose sign is POSIX's, the opposite of ISO's: Etc/GMT+3 is three hours behind UTC, so a team
 *   at UTC+3 writing it gets every local time six hours off;
 * - an abbreviation: Node's ICU reads BST as Bangladesh (UTC+6, not British Summer Time) and IST as India, and
 *   EST, MST and GMT as fixed offsets that skip daylight saving, so a New York or London team is an hour off all summer.
 */
export function scheduleZoneWarnings(env: Record<string, string | undefined>, now = Date.now()): string[] {
  const zone = env.SCHEDULE_TIMEZONE?.trim() ?? '';
  const tz = env.TZ?.trim() ?? '';
  const warnings: string[] = [];
  if (zone === '' && tz !== '' && !UTC_NAMES.has(tz.toLowerCase())) {
    warnings.push(
      `TZ=${tz.slice(0, 64)} is set, but smsops reads its schedules (the daily digest's 08:00) and the day of a conversation's Slack thread in SCHEDULE_TIMEZONE, which is unset: they are in UTC. Set SCHEDULE_TIMEZONE to the team's zone (e.g. Europe/London) to have them in its hours`,
    );
  }
  const etc = /^etc\/gmt([+-])(\d{1,2})$/i.exec(zone);
  if (etc && etc[2] !== '0') {
    let offset: number;
    try {
      offset = offsetAt(now, zone);
    } catch {
      return warnings;
    }
    const mirror = `Etc/GMT${etc[1] === '+' ? '-' : '+'}${Number(etc[2])}`;
    // tzdb has Etc/GMT-14 to Etc/GMT+12: not every zone has its mirror.
    const write = isZone(mirror) ? `write ${mirror}, or better` : 'write';
    warnings.push(
      `SCHEDULE_TIMEZONE=${zone} is ${utcOffsetWords(offset)}: tzdb's Etc/GMT zones carry POSIX's sign, the opposite of ISO's. For ${utcOffsetWords(-offset)} ${write} the team's city (e.g. Europe/Moscow), which also follows its daylight-saving changes`,
    );
  }
  if (
    /^[a-z]{2,5}$/i.test(zone) &&
    !UTC_NAMES.has(zone.toLowerCase()) &&
    !COUNTRY_ZONES.has(zone.toLowerCase()) &&
    isZone(zone)
  ) {
    warnings.push(abbreviationWarning(zone, now));
  } else if (/^(gmt|etc\/gmt)$/i.test(zone)) {
    warnings.push(
      `SCHEDULE_TIMEZONE=${zone} is UTC all year: it never moves to British Summer Time. For a team in the UK write Europe/London; for UTC write UTC`,
    );
  }
  return warnings;
}

const HALF_YEAR_MS = 182 * 24 * 3_600_000;

function abbreviationWarning(zone: string, now: number): string {
  const winter = offsetAt(now, zone);
  const summer = offsetAt(now + HALF_YEAR_MS, zone);
  const read =
    winter === summer
      ? `${utcOffsetWords(winter)} all year`
      : `${utcOffsetWords(Math.min(winter, summer))} and ${utcOffsetWords(Math.max(winter, summer))} in its summer`;
  return `SCHEDULE_TIMEZONE=${zone} is an abbreviation, read here as ${read}: abbreviations are ambiguous (BST reads as Bangladesh, IST as India) and some skip daylight saving (EST stays UTC-05:00 in summer). Write the team's city (e.g. America/New_York, Europe/London), which follows its daylight-saving changes`;
}
