-- Each outbox worker claims due deliveries of its own kind. The first index led with status, so a worker scanned
-- the other kind's backlog too (a Slack backlog made every PortSIP claim slower); this one leads with the kind and
-- is read in (next_attempt_at, id) order, so a claim stops after the rows it takes.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (destination_kind, status, next_attempt_at, id);
