-- The due index held every delivery ever stored, so each delivered outcome moved its entry within it (delete and
-- insert) for the history's sake alone: no query reads it for delivered rows. Live and dead ones only now: a delivery
-- leaves it when delivered (a delete), and the index is the size of the backlog. The condition is written as ORs, not
-- IN: SQLite uses a partial index for `status = 'pending'` only when that term is one of the condition's OR terms.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (destination_kind, status, next_attempt_at, id)
  WHERE status = 'pending' OR status = 'in_flight' OR status = 'dead';
