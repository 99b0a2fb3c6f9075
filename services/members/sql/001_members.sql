-- The members service's own read models, updated in the transaction that appends the events.
CREATE TABLE IF NOT EXISTS chapters (
    chapter_id      TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    city            TEXT NOT NULL,
    region          TEXT NOT NULL,
    meeting_weekday TEXT NOT NULL,
    meeting_time    TIME NOT NULL,
    timezone        TEXT NOT NULL,
    currency        TEXT NOT NULL,
    founded_on      DATE NOT NULL
);

CREATE TABLE IF NOT EXISTS members (
    member_id     TEXT PRIMARY KEY,
    chapter_id    TEXT NOT NULL REFERENCES chapters (chapter_id),
    name          TEXT NOT NULL,
    business      TEXT NOT NULL,
    category      TEXT NOT NULL,
    email         TEXT NOT NULL,
    phone         TEXT,
    role          TEXT NOT NULL,
    joined_on     DATE NOT NULL,
    renewed_until DATE NOT NULL,
    left_on       DATE,
    dropped       BOOLEAN NOT NULL DEFAULT false,
    leave_reason  TEXT
);
CREATE INDEX IF NOT EXISTS members_chapter ON members (chapter_id);
-- Belt and braces behind the roster aggregate: one active member per category per chapter.
CREATE UNIQUE INDEX IF NOT EXISTS members_one_per_category
    ON members (chapter_id, lower(category)) WHERE left_on IS NULL;

CREATE TABLE IF NOT EXISTS tokens (
    token_id   TEXT PRIMARY KEY,
    chapter_id TEXT NOT NULL,
    member_id  TEXT NOT NULL,
    role       TEXT NOT NULL,
    issued_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS tokens_member ON tokens (member_id);

CREATE TABLE IF NOT EXISTS referrals (
    referral_id   TEXT PRIMARY KEY,
    chapter_id    TEXT NOT NULL,
    giver_id      TEXT NOT NULL,
    receiver_id   TEXT NOT NULL,
    referral_type TEXT NOT NULL,
    temperature   INTEGER NOT NULL,
    status        TEXT NOT NULL,
    occurred_on   DATE NOT NULL,
    prospect      JSONB NOT NULL,          -- sealed (SealedData), never plaintext
    erased        BOOLEAN NOT NULL DEFAULT false,
    steps         JSONB NOT NULL DEFAULT '[]'::jsonb,
    version       INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS referrals_chapter ON referrals (chapter_id, occurred_on);

-- Per-prospect data keys: deleting a row makes that prospect's sealed data unreadable everywhere.
CREATE TABLE IF NOT EXISTS prospect_keys (
    key_id      TEXT PRIMARY KEY,
    referral_id TEXT NOT NULL,
    key         BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS closed_business (
    closed_business_id TEXT PRIMARY KEY,
    chapter_id         TEXT NOT NULL,
    reported_by        TEXT NOT NULL,
    thanked_member_id  TEXT NOT NULL,
    amount             NUMERIC(14, 2) NOT NULL,
    currency           TEXT NOT NULL,
    business_kind      TEXT NOT NULL,
    referral_type      TEXT NOT NULL,
    referral_id        TEXT,
    occurred_on        DATE NOT NULL,
    verdict            TEXT NOT NULL DEFAULT 'reported',
    verdict_on         DATE,
    dispute_reason     TEXT
);
CREATE INDEX IF NOT EXISTS closed_business_chapter ON closed_business (chapter_id, occurred_on);

CREATE TABLE IF NOT EXISTS one_to_ones (
    one_to_one_id TEXT PRIMARY KEY,
    chapter_id    TEXT NOT NULL,
    member_a      TEXT NOT NULL,
    member_b      TEXT NOT NULL,
    mode          TEXT NOT NULL,
    occurred_on   DATE NOT NULL,
    reported_by   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS one_to_ones_chapter ON one_to_ones (chapter_id, occurred_on);

CREATE TABLE IF NOT EXISTS ceus (
    ceu_id      TEXT PRIMARY KEY,
    chapter_id  TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    description TEXT NOT NULL,
    credits     INTEGER NOT NULL,
    occurred_on DATE NOT NULL
);
CREATE INDEX IF NOT EXISTS ceus_chapter ON ceus (chapter_id, member_id);

CREATE TABLE IF NOT EXISTS visitors (
    visitor_id  TEXT PRIMARY KEY,
    chapter_id  TEXT NOT NULL,
    invited_by  TEXT NOT NULL,
    name        TEXT NOT NULL,
    business    TEXT,
    stage       TEXT NOT NULL,
    invited_on  DATE NOT NULL,
    attended_on DATE,
    applied_on  DATE,
    member_id   TEXT
);
CREATE INDEX IF NOT EXISTS visitors_chapter ON visitors (chapter_id);

CREATE TABLE IF NOT EXISTS attendance (
    chapter_id      TEXT NOT NULL,
    meeting_date    DATE NOT NULL,
    member_id       TEXT NOT NULL,
    mark            TEXT NOT NULL,
    substitute_name TEXT,
    PRIMARY KEY (chapter_id, meeting_date, member_id)
);
CREATE INDEX IF NOT EXISTS attendance_member ON attendance (member_id, meeting_date);

-- Idempotency-Key: the first response to (key, caller, route), stored in the append's transaction.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    key         TEXT NOT NULL,
    principal   TEXT NOT NULL,
    route       TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    body        JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (key, principal, route)
);
