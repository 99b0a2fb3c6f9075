-- A deleted subscription is kept (its delivery history stays readable) but can never be enabled again;
-- one disabled for failing can (POST .../redeliver).
ALTER TABLE n_webhooks ADD COLUMN IF NOT EXISTS deleted_at TIMESTAMPTZ;
UPDATE n_webhooks SET deleted_at = disabled_at WHERE NOT active AND failing_since IS NULL AND deleted_at IS NULL;
