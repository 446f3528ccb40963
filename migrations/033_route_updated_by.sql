-- Who last set each route: the route list and the answer of `route set` say "set by" that person, where they named
-- created_by, the route's first author, whoever changed it since. A route from before this migration was last set by
-- someone smsops never recorded: its creator stands in until it is set again.
ALTER TABLE routes ADD COLUMN updated_by TEXT;
UPDATE routes SET updated_by = created_by;
