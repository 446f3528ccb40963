import type { IgnoreOutcome } from '../../core/doctor/ignores.js';
import { escapeMrkdwn } from './text.js';

/** What became of the reason given before, when a number ignored already is ignored again; null when nothing to say. */
export function ignoreReasonNote(outcome: IgnoreOutcome): string | null {
  if (outcome.reasonKept && outcome.entry.reason) return `The earlier reason is kept: ${escapeMrkdwn(outcome.entry.reason)}.`;
  if (outcome.replacedReason) return `It replaces the earlier reason: ${escapeMrkdwn(outcome.replacedReason)}.`;
  return null;
}
