import type { NewAuditEntry } from './model/audit.js';
import type { AuditRepository } from './ports/audit.js';
import { plural } from './wording.js';

/**
 * A person's refused attempts at one action are recorded 5 a minute at most; those past it are counted into the next
 * one recorded. Recorded one by one, a member's script refused 10 times a second wrote 864,000 audit entries a day
 * (each with what was typed: an ignore reason of 200 characters), kept AUDIT_RETENTION_DAYS (a year by default) on
 * the disk the SMS are stored on, burying the admins' own entries in `/sms audit`. A person's few tries stay whole.
 */
export const REFUSALS_RECORDED = { perWindow: 5, windowMs: 60_000 } as const;

type Seen = Map<string, { windowStart: number; recorded: number; unrecorded: number }>;
// Per audit log (a process has one; tests start several), so its repository's callers need no new dependency.
const seenByLog = new WeakMap<AuditRepository, Seen>();

/** Records a refusal (outcome `refused`), or counts it into the next one recorded when its minute's are used up. */
export function recordRefusal(audit: AuditRepository, entry: NewAuditEntry, now: number = Date.now()): void {
  const { perWindow, windowMs } = REFUSALS_RECORDED;
  let seen = seenByLog.get(audit);
  if (!seen) {
    seen = new Map();
    seenByLog.set(audit, seen);
  }
  // Oldest window first (a new window moves its key to the end): those with nothing left to tell are forgotten.
  for (const [key, last] of seen) {
    if (now - last.windowStart < windowMs) break;
    if (last.unrecorded === 0) seen.delete(key);
  }
  const key = `${entry.actor}\u0000${entry.action}`;
  let state = seen.get(key);
  if (!state || now - state.windowStart >= windowMs) {
    const unrecorded = state?.unrecorded ?? 0;
    seen.delete(key);
    state = { windowStart: now, recorded: 0, unrecorded };
    seen.set(key, state);
  }
  if (state.recorded >= perWindow) {
    state.unrecorded += 1;
    return;
  }
  const more = state.unrecorded;
  const detail =
    more > 0
      ? `${entry.detail ?? 'refused'} (and ${plural(more, 'more refused attempt')} before it, not recorded one by one)`
      : entry.detail;
  state.recorded += 1;
  state.unrecorded = 0;
  audit.record({ ...entry, ...(detail !== undefined ? { detail } : {}) });
}
