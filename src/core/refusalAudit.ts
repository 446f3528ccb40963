import type { NewAuditEntry } from './model/audit.js';
import type { AuditRepository } from './ports/audit.js';
import { plural } from './wording.js';

/**
 * A person's refused attempts at one action are recorded 5 a minute at most; those past it are counted into the next
 * one recorded. Recorded one by one, a member's script refused 10 times a second wrote 864,000 audit entries a day
 * (each with what was typed: an ignore reason of 200 characters), kept AUDIT_RETENTION_DAYS (a year by default) on
 * the disk the SMS are stored on, burying the admins' own entries in `/sms audit`. A person's few tries stay whole.
 * Those not recorded are said once their minute is over, in an entry of their own, when no later attempt carried
 * them: a script that stopped after 10,000 refusals read as 5 in `/sms audit`, the rest said nowhere.
 */
export const REFUSALS_RECORDED = { perWindow: 5, windowMs: 60_000 } as const;

type Seen = Map<string, { windowStart: number; recorded: number; unrecorded: number; last: NewAuditEntry }>;
// Per audit log (a process has one; tests start several), so its repository's callers need no new dependency.
const seenByLog = new WeakMap<AuditRepository, Seen>();

/** Characters a refusal keeps of its target and of each text in its params. */
export const REFUSAL_TEXT_KEPT = 200;

const bounded = (text: string) => (text.length > REFUSAL_TEXT_KEPT ? `${text.slice(0, REFUSAL_TEXT_KEPT - 1)}…` : text);

/**
 * A refusal's target and params come from what the refused person sent: a button's value is theirs to write (Slack
 * signs whatever their client sends), and one forged press wrote a 200,000-character target, five a minute per action,
 * kept a year. What was refused is said in its first 200 characters.
 */
function boundedEntry(entry: NewAuditEntry): NewAuditEntry {
  const params = Object.fromEntries(
    Object.entries(entry.params ?? {}).map(([key, value]) => [key, typeof value === 'string' ? bounded(value) : value]),
  );
  return { ...entry, ...(entry.target !== undefined && entry.target !== null ? { target: bounded(entry.target) } : {}), params };
}

/** Records a refusal (outcome `refused`), or counts it into the next one recorded when its minute's are used up. */
export function recordRefusal(audit: AuditRepository, given: NewAuditEntry, now: number = Date.now()): void {
  const entry = boundedEntry(given);
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
    state = { windowStart: now, recorded: 0, unrecorded, last: entry };
    seen.set(key, state);
  }
  if (state.recorded >= perWindow) {
    if (state.unrecorded === 0) sayUnrecordedLater(audit, state, state.windowStart + windowMs - now);
    state.unrecorded += 1;
    state.last = entry;
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

/**
 * At the minute's end, the attempts it did not record, in one entry (the last one's action and words), unless a later
 * attempt carried them already. A store that refuses the write leaves them to the next attempt recorded.
 */
function sayUnrecordedLater(audit: AuditRepository, state: { unrecorded: number; last: NewAuditEntry }, afterMs: number): void {
  const timer = setTimeout(
    () => {
      const more = state.unrecorded;
      if (more === 0) return;
      const { last } = state;
      try {
        audit.record({
          ...last,
          detail: `${last.detail ?? 'refused'} (${plural(more, 'more refused attempt')} in the minute after the last one recorded, not recorded one by one)`,
        });
        state.unrecorded = 0;
      } catch {
        // Kept: the next attempt recorded carries the count.
      }
    },
    Math.max(0, afterMs),
  );
  timer.unref();
}
