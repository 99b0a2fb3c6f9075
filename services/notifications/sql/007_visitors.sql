-- Visitors who registered themselves (VisitorInvited with `self_registered`): the meeting they will attend and
-- their name and address as they arrived, sealed for this service (shared/visitor_contact.py), opened only to
-- send them an e-mail. Erasure (VisitorDataErased) deletes the row: nothing is sent to them after it.
CREATE TABLE IF NOT EXISTS n_visitors (
    visitor_id    TEXT PRIMARY KEY,
    chapter_id    TEXT NOT NULL,
    invited_by    TEXT NOT NULL,
    meeting_date  DATE NOT NULL,
    contact       JSONB NOT NULL,
    registered_at TIMESTAMPTZ NOT NULL
);
