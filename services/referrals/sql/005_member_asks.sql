-- Members' asks (AskUpdated), the latest per member. Kept beside the projection generations, not in them: a
-- value per member, replaced by a later one (by members-store sequence), so replaying it into the same rows
-- (a rebuild does) changes nothing. `text` NULL: the member has no ask any more.
CREATE TABLE IF NOT EXISTS member_asks (
    member_id  TEXT PRIMARY KEY,
    chapter_id TEXT NOT NULL,
    text       TEXT,
    asked_on   DATE NOT NULL,
    seq        BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS member_asks_chapter ON member_asks (chapter_id);

-- What the daily review last published as each member's next best actions (a digest of the list), so a
-- list is published again only when it changed.
CREATE TABLE IF NOT EXISTS next_actions_published (
    member_id  TEXT PRIMARY KEY,
    chapter_id TEXT NOT NULL,
    digest     TEXT NOT NULL,
    as_of      DATE NOT NULL
);
