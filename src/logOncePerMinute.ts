import type { Logger } from './log.js';

/** At most one line per key in this time. */
export const ONCE_PER_MINUTE_MS = 60_000;
/** Keys remembered at once: past this, all are forgotten (a key seen next is said at once again). */
const KEYS_KEPT = 100;

/**
 * A warning about something caused from outside, as often as anyone likes (connections, requests, a full disk): a
 * line each time would fill the logs. Said at most once a minute per key (a reason): the first at once, then the next
 * occurrence a minute or more later, with how many there were since the last line under `countField` (this one
 * included).
 */
export function warnOncePerMinute(
  logger: Logger,
  message: string,
  fields: Record<string, unknown>,
  options: { countField?: string; now?: () => number; level?: 'info' | 'warn' } = {},
): (key?: string, keyFields?: Record<string, unknown>) => void {
  const countField = options.countField ?? 'closedSinceLastWarning';
  const level = options.level ?? 'warn';
  const now = options.now ?? Date.now;
  const seen = new Map<string, { loggedAt: number; since: number }>();
  return (key = '', keyFields = {}) => {
    let entry = seen.get(key);
    if (!entry) {
      if (seen.size >= KEYS_KEPT) seen.clear();
      entry = { loggedAt: Number.NEGATIVE_INFINITY, since: 0 };
      seen.set(key, entry);
    }
    entry.since += 1;
    const at = now();
    if (at - entry.loggedAt <= ONCE_PER_MINUTE_MS) return;
    logger[level](message, { ...fields, ...keyFields, [countField]: entry.since });
    entry.loggedAt = at;
    entry.since = 0;
  };
}
