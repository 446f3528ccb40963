import type { AuditEntry, NewAuditEntry } from '../model/audit.js';

export interface AuditRepository {
  record(entry: NewAuditEntry): number;
  recent(limit: number): AuditEntry[];
}
