-- Sign-in links waiting to be e-mailed, sealed as they arrived (SignInLinkRequested.link): opened only when
-- the e-mail is sent, never stored opened. One per triggering event (the delivery's trigger_id); forgotten
-- once its e-mail is sent or given up, or once expired.
CREATE TABLE IF NOT EXISTS n_sign_in_links (
    trigger_id  TEXT PRIMARY KEY,
    member_id   TEXT NOT NULL,
    link        JSONB NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS n_sign_in_links_expiry ON n_sign_in_links (expires_at);
