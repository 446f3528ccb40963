/**
 * The numbers (or routes) a person's search names: digits match anywhere in the number ("202", "+1 202 555"), two
 * letters match a country code, other text a label. What an operator with 300 numbers types to find one.
 */
export function matchesNumberSearch(item: { e164: string; country?: string; label?: string | null }, query: string): boolean {
  const digits = query.replace(/\D/g, '');
  if (digits) return item.e164.replace(/\D/g, '').includes(digits);
  const text = query.trim().toLowerCase();
  if (!text) return true;
  if (/^[a-z]{2}$/.test(text) && item.country?.toLowerCase() === text) return true;
  return (item.label ?? '').toLowerCase().includes(text) || item.e164.toLowerCase() === text;
}
