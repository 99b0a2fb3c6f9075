-- Envelope encryption: `prospect_keys.key` now holds the data key wrapped (AES-GCM) under the
-- key-encryption key `kek_id` names, which lives in configuration (MEMBERS_DATA_KEKS), never here.
-- A NULL kek_id is a key stored in plaintext before this migration: the service wraps those at start.
ALTER TABLE prospect_keys ADD COLUMN IF NOT EXISTS kek_id TEXT;
CREATE INDEX IF NOT EXISTS prospect_keys_kek ON prospect_keys (kek_id);

-- Each chapter's secret for the identities of its imported rows (HMAC-SHA256): without it an identity
-- cannot be recomputed from a guessed name, phone or e-mail. Wrapped like the data keys.
CREATE TABLE IF NOT EXISTS chapter_secrets (
    chapter_id TEXT PRIMARY KEY,
    secret     BYTEA NOT NULL,
    kek_id     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
