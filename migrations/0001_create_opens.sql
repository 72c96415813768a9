-- Stored opens. Times are integer unix seconds (UTC) so that every window
-- comparison is numeric; text timestamps with 'T' do not compare correctly
-- with datetime('now').
CREATE TABLE opens (
  id INTEGER PRIMARY KEY,
  tracking_id TEXT NOT NULL,
  recipient TEXT NOT NULL,
  subject_hash TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  opened_at INTEGER NOT NULL,
  ip TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  is_bot INTEGER NOT NULL,
  bot_type TEXT NOT NULL
);

CREATE INDEX opens_by_dedupe_key ON opens (tracking_id, ip, opened_at);
CREATE INDEX opens_by_ip ON opens (ip, opened_at);
CREATE INDEX opens_by_recipient ON opens (recipient, opened_at);
CREATE INDEX opens_by_time ON opens (opened_at);

-- Hits refused by the per-IP cap are counted, not stored one by one: an
-- image proxy's address serves many real readers, so a report must be able
-- to say how many opens it did not record.
CREATE TABLE dropped_opens (
  tracking_id TEXT NOT NULL,
  ip TEXT NOT NULL,
  hour INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (tracking_id, ip, hour)
);

CREATE INDEX dropped_opens_by_hour ON dropped_opens (hour);
