-- Tokens and members whose access was revoked (projected from AccessRevoked events in every service).
CREATE TABLE IF NOT EXISTS revocations (
    id          BIGSERIAL PRIMARY KEY,
    member_id   TEXT,
    token_id    TEXT,
    reason      TEXT NOT NULL,
    revoked_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS revocations_member ON revocations (member_id);
CREATE INDEX IF NOT EXISTS revocations_token ON revocations (token_id);
