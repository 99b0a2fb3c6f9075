-- Members' asks (what each is looking for this month): the latest per member, projected from AskUpdated in
-- the same transaction as the append. A cleared ask keeps its row with text NULL (and the day it was cleared).
CREATE TABLE IF NOT EXISTS asks (
    member_id   TEXT PRIMARY KEY,
    chapter_id  TEXT NOT NULL,
    text        TEXT,
    asked_on    DATE NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS asks_chapter ON asks (chapter_id, asked_on);
