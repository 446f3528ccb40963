import { channelReader, type TextHidden } from './channelReading.js';
import { REPLY_AUDIT_ACTION } from './conversations/replyFromThread.js';
import type { AuditEntry } from './model/audit.js';
import type { Actor, SetupServices } from './services.js';

/** An audit entry as one reader may see it: a reply's customer and outcome words withheld (`withheld`) or not. */
export interface ShownAuditEntry extends AuditEntry {
  withheld?: TextHidden | null;
}

/**
 * One page of `/sms audit` for one reader. Everyone reads the audit log, but a reply's entry names the customer it
 * went to and says why it failed (their opt-out, Wavix's refusal): those are shown by `/sms inbox`'s rule for the
 * reply's channel, and otherwise withheld along with the parameters, leaving who replied, when and the outcome.
 */
export async function readAudit(
  services: Pick<SetupServices, 'adminUsers' | 'directory' | 'audit'>,
  actor: Actor,
  limit: number,
  offset: number,
): Promise<{ entries: ShownAuditEntry[]; total: number }> {
  const entries = services.audit.recent(limit, offset);
  const total = services.audit.count();
  if (!entries.some((e) => e.action === REPLY_AUDIT_ACTION)) return { entries, total };
  const reader = await channelReader(services, actor);
  const shown = await Promise.all(
    entries.map(async (entry): Promise<ShownAuditEntry> => {
      if (entry.action !== REPLY_AUDIT_ACTION) return entry;
      const channel = typeof entry.params.channel === 'string' ? entry.params.channel : null;
      const withheld = await reader.hiddenIn(channel);
      return withheld ? { ...entry, target: null, params: {}, detail: null, withheld } : entry;
    }),
  );
  return { entries: shown, total };
}
