-- /healthz, /metrics and `/sms relay status` read the backlog per destination on every call. Grouping the whole
-- deliveries table grew with every message ever relayed; with delivered_at in the index, each figure is an index
-- range (pending, dead) or a single seek (last delivery), whatever the history.
DROP INDEX deliveries_destination;
CREATE INDEX deliveries_destination ON deliveries (destination_kind, destination, status, delivered_at);
