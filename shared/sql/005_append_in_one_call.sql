-- The whole append in one round trip (event_store.py): the append lock, the streams' versions checked
-- against what each writer expected, and the INSERT. The lock is held until COMMIT (positions become
-- visible in commit order), and every round trip made under it holds up every other writer of the store.
--
-- streams/expected/earlier: one entry per stream share of the append, in the writer's order; `earlier` is
-- how many events earlier shares of the same call add to that stream (a group may append twice to one
-- stream); `expected` NULL means "don't check". ids..metas: one entry per event; `offsets` is the event's
-- place in its stream after what the stream held (earlier shares' events included).
-- A version mismatch inserts nothing and answers one row naming the first share whose stream moved
-- (stream, expected, actual: what the writer would have found appending share by share).
-- `recorded`: the events' recorded_at (NULL: the moment each row is inserted, the column's default).
-- (refnet_lock_for_append, 004, stays for processes of an older version during a rolling update.)
CREATE OR REPLACE FUNCTION refnet_append(
    lock_key BIGINT, streams TEXT[], expected INTEGER[], earlier INTEGER[],
    ids UUID[], event_streams TEXT[], offsets INTEGER[], chapters TEXT[], types TEXT[], schemas INTEGER[],
    bodies JSONB[], metas JSONB[], recorded TIMESTAMPTZ)
RETURNS TABLE (event_id UUID, "position" BIGINT, stream_version INTEGER, recorded_at TIMESTAMPTZ,
               moved_stream TEXT, moved_expected INTEGER, moved_actual INTEGER)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    moved RECORD;
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT s.stream, s.wanted, coalesce(c.version, 0) + s.before AS actual INTO moved
      FROM unnest(streams, expected, earlier) WITH ORDINALITY AS s(stream, wanted, before, n)
      LEFT JOIN LATERAL (SELECT max(v.stream_version) AS version FROM events v WHERE v.stream_id = s.stream) c
             ON true
     WHERE s.wanted IS NOT NULL AND s.wanted <> coalesce(c.version, 0) + s.before
     ORDER BY s.n LIMIT 1;
    IF FOUND THEN
        RETURN QUERY SELECT NULL::uuid, NULL::bigint, NULL::integer, NULL::timestamptz,
                            moved.stream, moved.wanted, moved.actual;
        RETURN;
    END IF;
    -- positions are drawn in the writer's order (ORDER BY before the INSERT's defaults are evaluated)
    RETURN QUERY
    INSERT INTO events AS e (event_id, stream_id, stream_version, chapter_id, type, schema_version, data,
                             metadata, recorded_at)
    SELECT x.id, x.stream, coalesce(c.version, 0) + x.off, x.chapter, x.kind, x.schema, x.body, x.meta,
           coalesce(recorded, clock_timestamp())
      FROM unnest(ids, event_streams, offsets, chapters, types, schemas, bodies, metas)
           WITH ORDINALITY AS x(id, stream, off, chapter, kind, schema, body, meta, n)
      LEFT JOIN LATERAL (SELECT max(v.stream_version) AS version FROM events v WHERE v.stream_id = x.stream) c
             ON true
     ORDER BY x.n
    RETURNING e.event_id, e.position, e.stream_version, e.recorded_at, NULL::text, NULL::integer, NULL::integer;
END $$;
