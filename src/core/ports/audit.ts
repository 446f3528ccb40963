import type { AuditEntry, NewAuditEntry } from '../model/audit.js';

export interface AuditRepository {
  record(entry: NewAuditEntry): number;
  /** Newest first, skipping the `offset` newest. */
  recent(limit: number, offset?: number): AuditEntry[];
  count(): number;
}
