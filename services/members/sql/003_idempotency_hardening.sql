-- Idempotency-Key hardening.
-- * A key is bound to the request it first answered (a hash of method, path and canonical body): the same
--   key with another request is refused instead of replaying an answer to a different question.
-- * Keys expire (MEMBERS_IDEMPOTENCY_TTL_DAYS, 7 by default): the index serves the lookup's age filter
--   and the sweep that deletes expired rows.
-- * Stored answers never hold bearer tokens: answers stored before this migration lose theirs here.
ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS request_hash TEXT;
CREATE INDEX IF NOT EXISTS idempotency_keys_created_at ON idempotency_keys (created_at);
UPDATE idempotency_keys
   SET body = body || jsonb_build_object(
       'token', NULL,
       'token_withheld', 'a token is shown only in the first response; issue another with '
                         'POST /chapters/{chapter_id}/members/{member_id}/tokens (and revoke token_id if it was lost)')
 WHERE body ? 'token' AND body->'token' <> 'null'::jsonb;
-- `json` keeps the answer's text as written (jsonb reorders keys): a replay is byte for byte the answer
-- the first request got (less any token).
ALTER TABLE idempotency_keys ALTER COLUMN body TYPE json USING body::json;
