-- When the thing a notification tells about happened (its event's time). The feed is ordered by it:
-- events of different topics are consumed in no particular order, so logging time is not story order.
ALTER TABLE n_deliveries ADD COLUMN IF NOT EXISTS occurred_at TIMESTAMPTZ;
UPDATE n_deliveries SET occurred_at = created_at WHERE occurred_at IS NULL;
ALTER TABLE n_deliveries ALTER COLUMN occurred_at SET NOT NULL;
DROP INDEX IF EXISTS n_deliveries_feed;
CREATE INDEX IF NOT EXISTS n_deliveries_feed_story ON n_deliveries (recipient, occurred_at DESC)
    WHERE channel = 'feed';
