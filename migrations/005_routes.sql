-- Where relayed messages go: per number (E.164) or the literal 'default'. portsip_url is kept exactly as copied
-- from PortSIP (its path may contain spaces); it is percent-encoded only when sent.
CREATE TABLE routes (
  id            INTEGER PRIMARY KEY,
  number        TEXT NOT NULL UNIQUE CHECK (number = 'default' OR number GLOB '+[0-9]*'),
  portsip_url   TEXT,
  slack_channel TEXT,
  created_by    TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  CHECK (portsip_url IS NOT NULL OR slack_channel IS NOT NULL)
);
