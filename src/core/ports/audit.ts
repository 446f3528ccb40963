import type { AuditEntry, AuditOutcome, NewAuditEntry } from '../model/audit.js';

export interface AuditRepository {
  record(entry: NewAuditEntry): number;
  /**
   * The outcome of an entry recorded in progress (CHANGE_IN_PROGRESS), with its parameters as the change left them
   * (it may add what it did: `movedDeliveries`, `replayed`).
   */
  complete(id: number, outcome: { outcome: AuditOutcome; detail?: string; params: Record<string, unknown> }): void;
  /**
   * Gives an entry in progress the time and place in the log of now (a new id, after every entry there is) and returns
   * its new id: a change recorded before a slow read is listed where it was written, after changes written meanwhile.
   */
  movedToNow(id: number): number;
  /** Entries still in progress, which nothing will complete (a stop, or the start after a crash): said interrupted. */
  markInterrupted(): number;
  /** Newest first, skipping the `offset` newest. */
  recent(limit: number, offset?: number): AuditEntry[];
  count(): number;
}
