-- Passwordless sign-in. A session is a row of `tokens` (`token_id` = the session id access tokens carry as
-- `sid`, so revoking it by id refuses them in every service); rows from before sign-in were long-lived
-- tokens, refused since (they name no session).
ALTER TABLE tokens ADD COLUMN IF NOT EXISTS device TEXT;
ALTER TABLE tokens ADD COLUMN IF NOT EXISTS last_used_at TIMESTAMPTZ;
ALTER TABLE tokens ADD COLUMN IF NOT EXISTS expires_at TIMESTAMPTZ;
CREATE INDEX IF NOT EXISTS tokens_member_open ON tokens (member_id) WHERE revoked_at IS NULL;

-- One-time codes of e-mailed sign-in links, by hash only.
CREATE TABLE IF NOT EXISTS sign_in_codes (
    code_hash  BYTEA PRIMARY KEY,
    chapter_id TEXT NOT NULL,
    member_id  TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS sign_in_codes_member ON sign_in_codes (member_id, expires_at);

-- Refresh tokens, by hash only; each is used once (`rotated_at`): a second use revokes its session.
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash BYTEA PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES tokens (token_id),
    issued_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    rotated_at TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS refresh_tokens_session ON refresh_tokens (session_id);
