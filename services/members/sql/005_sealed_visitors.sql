-- Visitors' names and businesses are sealed (visitor-invited.v2), each visitor under a data key of its own,
-- wrapped like the prospects' keys: deleting the row (erasure) makes that visitor's data unreadable everywhere.
CREATE TABLE IF NOT EXISTS visitor_keys (
    key_id     TEXT PRIMARY KEY,
    visitor_id TEXT NOT NULL,
    key        BYTEA NOT NULL,
    kek_id     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS visitor_keys_kek ON visitor_keys (kek_id);

-- The read model keeps the sealed data, never the plaintext. `name` and `business` stay only for visitors
-- invited before sealing (v1 events, whose clear name cannot be sealed afterwards) until they are erased.
ALTER TABLE visitors ALTER COLUMN name DROP NOT NULL;
ALTER TABLE visitors ADD COLUMN IF NOT EXISTS sealed JSONB;
ALTER TABLE visitors ADD COLUMN IF NOT EXISTS erased BOOLEAN NOT NULL DEFAULT false;
