export type AuditOutcome = 'ok' | 'refused' | 'failed' | 'unknown';

export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  params: Record<string, unknown>;
  outcome: AuditOutcome;
  detail: string | null;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at' | 'target' | 'params' | 'detail'> &
  Partial<Pick<AuditEntry, 'target' | 'params' | 'detail'>>;
