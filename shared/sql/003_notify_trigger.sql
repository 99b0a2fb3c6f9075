-- Wake the outbox relay when events commit: one NOTIFY per inserting statement, sent at commit
-- (and not at all on rollback). A trigger rather than a call from the appender saves a round trip
-- inside the append's critical section and covers every writer.
CREATE OR REPLACE FUNCTION events_notify_relay() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('refnet_events', '');
    RETURN NULL;
END $$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS events_notify ON events;
CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_notify_relay();
