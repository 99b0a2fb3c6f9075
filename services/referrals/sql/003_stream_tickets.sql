-- Single-use tickets that open a dashboard's event stream (a browser's EventSource cannot send an
-- Authorization header, and a token in a URL ends up in logs). Only a hash of each ticket is kept, here so
-- that any process of the service can take it; who asked is kept to check their token is still good and to
-- count their open streams. Expired tickets are swept whenever new ones are issued.
CREATE TABLE IF NOT EXISTS stream_tickets (
    ticket_hash BYTEA PRIMARY KEY,
    chapter_id  TEXT NOT NULL,
    member_id   TEXT,
    role        TEXT NOT NULL,
    home        TEXT,
    token_id    TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS stream_tickets_expiry ON stream_tickets (expires_at);
