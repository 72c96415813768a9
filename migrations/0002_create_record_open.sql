-- One statement records a pixel hit: INSERT INTO record_open (...). The
-- trigger decides dedupe and the per-IP cap and writes, all inside that one
-- statement, so concurrent hits cannot both pass a check before either
-- inserts (D1 and SQLite run a statement atomically).
--
-- The windows and the cap arrive as columns of the inserted row, bound from
-- tools/core/rules.hpp, so the numbers live in one place:
--   dedupe_since  opens of the same id, IP and user agent at or after this
--                 time make the hit a duplicate
--   cap_since     stored opens of the IP at or after this time count
--                 towards the cap
--   ip_cap        how many stored opens the IP may have in that window
CREATE VIEW record_open AS
SELECT tracking_id, recipient, subject_hash, sent_at, opened_at, ip,
       user_agent, is_bot, bot_type,
       0 AS dedupe_since, 0 AS cap_since, 0 AS ip_cap
FROM opens WHERE 0;

CREATE TRIGGER record_open_insert INSTEAD OF INSERT ON record_open
BEGIN
  INSERT INTO dropped_opens (tracking_id, ip, hour, count)
  SELECT NEW.tracking_id, NEW.ip, NEW.opened_at / 3600, 1
  WHERE NOT EXISTS (
      SELECT 1 FROM opens
      WHERE tracking_id = NEW.tracking_id AND ip = NEW.ip
        AND user_agent = NEW.user_agent
        AND opened_at BETWEEN NEW.dedupe_since AND NEW.opened_at)
    AND (SELECT COUNT(*) FROM opens
         WHERE ip = NEW.ip
           AND opened_at BETWEEN NEW.cap_since AND NEW.opened_at)
        >= NEW.ip_cap
  ON CONFLICT (tracking_id, ip, hour) DO UPDATE SET count = count + 1;

  INSERT INTO opens (tracking_id, recipient, subject_hash, sent_at,
                     opened_at, ip, user_agent, is_bot, bot_type)
  SELECT NEW.tracking_id, NEW.recipient, NEW.subject_hash, NEW.sent_at,
         NEW.opened_at, NEW.ip, NEW.user_agent, NEW.is_bot, NEW.bot_type
  WHERE NOT EXISTS (
      SELECT 1 FROM opens
      WHERE tracking_id = NEW.tracking_id AND ip = NEW.ip
        AND user_agent = NEW.user_agent
        AND opened_at BETWEEN NEW.dedupe_since AND NEW.opened_at)
    AND (SELECT COUNT(*) FROM opens
         WHERE ip = NEW.ip
           AND opened_at BETWEEN NEW.cap_since AND NEW.opened_at)
        < NEW.ip_cap;
END;
