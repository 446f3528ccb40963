/**
 * The calendar day (YYYY-MM-DD) an instant falls on in an IANA time zone: the team's day (SCHEDULE_TIMEZONE), so a
 * conversation's day ends at the team's midnight rather than UTC's (18:59 in New York, mid-morning in Tokyo).
 * One formatter per zone: building one costs far more than using it, and there is one zone per process.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function localDay(ms: number, timeZone = 'UTC'): string {
  if (timeZone === 'UTC') return new Date(ms).toISOString().slice(0, 10);
  const parts = formatterFor(timeZone).formatToParts(ms);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}
