import { wallAt } from './zoneClock.js';

/**
 * The calendar day (YYYY-MM-DD) an instant falls on in an IANA time zone: the team's day (SCHEDULE_TIMEZONE), so a
 * conversation's day ends at the team's midnight rather than UTC's (18:59 in New York, mid-morning in Tokyo).
 */
export function localDay(ms: number, timeZone = 'UTC'): string {
  if (timeZone === 'UTC') return new Date(ms).toISOString().slice(0, 10);
  return new Date(wallAt(ms, timeZone)).toISOString().slice(0, 10);
}
