-- Until when the destination asked not to be tried again (the Retry-After of its last failed answer), NULL when it
-- asked nothing. A failing PortSIP route's first 2xx brings its waiting SMS forward, but not past a wait the route
-- asked for; kept in memory, that wait was lost at a restart, and the route's first 2xx after it could not tell it
-- from smsops' own backoff (so a route that answers again after a restart brought nothing forward).
ALTER TABLE deliveries ADD COLUMN retry_after_until INTEGER;
