import type { AuditEntry, AuditOutcome, NewAuditEntry } from '../model/audit.js';

export interface AuditRepository {
  record(entry: NewAuditEntry): number;
  /** The outcome of an entry recorded in progress (CHANGE_IN_PROGRESS). */
  complete(id: number, outcome: { outcome: AuditOutcome; detail?: string }): void;
  /** Entries still in progress, which nothing will complete (a stop, or the start after a crash): said interrupted. */
  markInterrupted(): number;
  /** Newest first, skipping the `offset` newest. */
  recent(limit: number, offset?: number): AuditEntry[];
  count(): number;
}
