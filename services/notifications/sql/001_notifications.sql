-- What the notifications service knows about chapters and members (projected from members events).
CREATE TABLE IF NOT EXISTS n_chapters (
    chapter_id        TEXT PRIMARY KEY,
    chapter_name      TEXT NOT NULL,
    meeting_weekday   TEXT NOT NULL,
    meeting_time      TIME NOT NULL,
    timezone          TEXT NOT NULL,
    currency          TEXT NOT NULL
);

-- Chapter-level switches leaders manage through the API (a row only once changed from the defaults).
CREATE TABLE IF NOT EXISTS n_chapter_settings (
    chapter_id        TEXT PRIMARY KEY,
    thank_you_enabled BOOLEAN NOT NULL DEFAULT true,
    absence_limit     INTEGER NOT NULL DEFAULT 3,
    digest_enabled    BOOLEAN NOT NULL DEFAULT true
);

CREATE TABLE IF NOT EXISTS n_members (
    member_id   TEXT PRIMARY KEY,
    chapter_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL DEFAULT 'member',
    active      BOOLEAN NOT NULL DEFAULT true
);
CREATE INDEX IF NOT EXISTS n_members_chapter ON n_members (chapter_id);

-- A role can be assigned before the member-joined event arrives (different topics): kept here.
CREATE TABLE IF NOT EXISTS n_roles (
    member_id   TEXT PRIMARY KEY,
    role        TEXT NOT NULL
);

-- Per-member preferences: channels per kind of notification, digest on/off.
CREATE TABLE IF NOT EXISTS n_preferences (
    member_id   TEXT PRIMARY KEY,
    channels    JSONB NOT NULL DEFAULT '{}'::jsonb,
    digest      BOOLEAN NOT NULL DEFAULT true,
    email_off   BOOLEAN NOT NULL DEFAULT false,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Referrals as far as reminders, nudges and digests need them.
CREATE TABLE IF NOT EXISTS n_referrals (
    referral_id     TEXT PRIMARY KEY,
    chapter_id      TEXT NOT NULL,
    giver_id        TEXT NOT NULL,
    receiver_id     TEXT NOT NULL,
    status          TEXT NOT NULL,
    given_at        TIMESTAMPTZ NOT NULL,
    changed_at      TIMESTAMPTZ NOT NULL,
    occurred_on     DATE NOT NULL
);
CREATE INDEX IF NOT EXISTS n_referrals_receiver ON n_referrals (receiver_id, status);
CREATE INDEX IF NOT EXISTS n_referrals_giver ON n_referrals (giver_id);

CREATE TABLE IF NOT EXISTS n_closed_business (
    closed_business_id  TEXT PRIMARY KEY,
    chapter_id          TEXT NOT NULL,
    reported_by         TEXT NOT NULL,
    thanked_member_id   TEXT NOT NULL,
    amount              NUMERIC(14, 2) NOT NULL,
    currency            TEXT NOT NULL,
    reported_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS n_attendance (
    member_id     TEXT NOT NULL,
    meeting_date  DATE NOT NULL,
    chapter_id    TEXT NOT NULL,
    mark          TEXT NOT NULL,
    PRIMARY KEY (member_id, meeting_date)
);

CREATE TABLE IF NOT EXISTS n_traffic_lights (
    member_id   TEXT PRIMARY KEY,
    colour      TEXT NOT NULL,
    score       NUMERIC(5, 1) NOT NULL
);

-- Durable timers: reminders, nudges and weekly digests. Fired by the scheduler loop, at most once each.
CREATE TABLE IF NOT EXISTS n_timers (
    timer_key   TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    due_at      TIMESTAMPTZ NOT NULL,
    data        JSONB NOT NULL DEFAULT '{}'::jsonb,
    fired_at    TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS n_timers_due ON n_timers (due_at) WHERE fired_at IS NULL;

-- Webhook subscriptions per chapter and event type.
CREATE TABLE IF NOT EXISTS n_webhooks (
    subscription_id  UUID PRIMARY KEY,
    chapter_id       TEXT NOT NULL,
    url              TEXT NOT NULL,
    event_types      TEXT[] NOT NULL,
    secret           TEXT NOT NULL,
    owner_member_id  TEXT,
    active           BOOLEAN NOT NULL DEFAULT true,
    failing_since    TIMESTAMPTZ,
    disabled_at      TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS n_webhooks_chapter ON n_webhooks (chapter_id) WHERE active;

-- The delivery log: one row per triggering event, recipient and channel; it is the idempotency record.
-- recipient = member id (email, feed) or subscription id (webhook).
CREATE TABLE IF NOT EXISTS n_deliveries (
    delivery_id      UUID PRIMARY KEY,
    seq              BIGSERIAL,
    trigger_id       TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    channel          TEXT NOT NULL CHECK (channel IN ('email', 'feed', 'webhook')),
    kind             TEXT NOT NULL,
    chapter_id       TEXT NOT NULL,
    data             JSONB NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    last_error       TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    sent_at          TIMESTAMPTZ,
    read_at          TIMESTAMPTZ,
    UNIQUE (trigger_id, recipient, channel)
);
CREATE INDEX IF NOT EXISTS n_deliveries_due ON n_deliveries (next_attempt_at)
    WHERE status = 'pending' AND channel <> 'feed';
CREATE INDEX IF NOT EXISTS n_deliveries_feed ON n_deliveries (recipient, created_at DESC) WHERE channel = 'feed';
