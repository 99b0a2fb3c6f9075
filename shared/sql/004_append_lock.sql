-- Take the append lock and read the streams' current versions in one round trip (see event_store.py):
-- every recorded slip pays for this, and the lock is held until the transaction commits anyway.
CREATE OR REPLACE FUNCTION refnet_lock_for_append(lock_key BIGINT, streams TEXT[])
RETURNS TABLE (stream_id TEXT, version INTEGER) LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN QUERY SELECT e.stream_id, max(e.stream_version)::integer FROM events e
                 WHERE e.stream_id = ANY(streams) GROUP BY e.stream_id;
END $$;
