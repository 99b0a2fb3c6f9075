-- What the weekly digest adds (see service_layer/digest_extras.py): the members' asks (AskUpdated, the latest
-- per member by members-store sequence; text NULL = cleared) and each member's next best actions as the
-- referrals service last published them (NextActionsListed, the latest per member by as_of).
CREATE TABLE IF NOT EXISTS n_asks (
    member_id  TEXT PRIMARY KEY,
    chapter_id TEXT NOT NULL,
    text       TEXT,
    asked_on   DATE NOT NULL,
    seq        BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS n_asks_chapter ON n_asks (chapter_id);

CREATE TABLE IF NOT EXISTS n_next_actions (
    member_id  TEXT PRIMARY KEY,
    chapter_id TEXT NOT NULL,
    as_of      DATE NOT NULL,
    actions    JSONB NOT NULL
);
