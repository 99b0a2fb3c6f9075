"""Traffic lights and pair balances over the rolling window, stored, with the events their changes are due.

The counts come from SQL; whether a colour change or a one-sided pair is news is the domain's decision
(`traffic_light_changed`, `pair_became_one_sided`)."""

from __future__ import annotations

from datetime import date

import asyncpg

from services.referrals.adapters.announcements import emit_events
from services.referrals.adapters.bulk import upsert
from services.referrals.domain.pairs import is_one_sided, pair_became_one_sided
from services.referrals.domain.traffic_lights import (
    Activity,
    Score,
    TrafficLightScheme,
    score,
    traffic_light_changed,
)
from shared.contracts.referrals import PairBecameOneSided, TrafficLightChanged

Pair = tuple[str, str, str]  # (chapter, giver, receiver)


async def member_activity(conn: asyncpg.Connection, member_ids: list[str] | None, start: date, end: date,
                          chapter_id: str | None = None) -> dict[str, tuple[str, Activity]]:
    """Per member: the counts the traffic light scores, over [start, end] (from the day they joined).
    Referrals given are summed from the pair-days (`daily_totals`, a member's referrals are their chapter's):
    at most a row per receiver and day, where counting the referrals themselves grew with every one recorded
    (the consumer re-scores the members of every batch)."""
    rows = await conn.fetch(
        """SELECT m.member_id, m.chapter_id, greatest($2::date, coalesce(m.joined_on, $2::date)) AS since,
              (SELECT count(*) FROM attendance a WHERE a.member_id = m.member_id AND a.mark = 'A'
                 AND a.meeting_date BETWEEN $2 AND $3) AS absences,
              (SELECT count(*) FROM attendance a WHERE a.member_id = m.member_id
                 AND a.meeting_date BETWEEN $2 AND $3) AS meetings,
              (SELECT coalesce(sum(d.referrals), 0)::bigint FROM pair_days d WHERE d.chapter_id = m.chapter_id
                 AND d.giver_id = m.member_id AND d.day BETWEEN $2 AND $3) AS referrals_given,
              (SELECT count(*) FROM one_to_ones o WHERE (o.member_a = m.member_id OR o.member_b = m.member_id)
                 AND o.occurred_on BETWEEN $2 AND $3) AS one_to_ones,
              (SELECT coalesce(sum(credits), 0) FROM ceus c WHERE c.member_id = m.member_id
                 AND c.occurred_on BETWEEN $2 AND $3) AS ceu_credits,
              (SELECT count(*) FROM visitors v WHERE v.invited_by = m.member_id
                 AND v.attended_on BETWEEN $2 AND $3) AS visitors
           FROM members m
           WHERE ($1::text[] IS NULL OR m.member_id = ANY($1::text[]))
             AND ($4::text IS NULL OR m.chapter_id = $4) AND m.joined_on IS NOT NULL
             AND m.joined_on <= $3 AND (m.left_on IS NULL OR m.left_on >= $2)
           ORDER BY m.member_id""", member_ids, start, end, chapter_id)
    return {r["member_id"]: (r["chapter_id"], Activity(
        days=(end - r["since"]).days + 1, absences=r["absences"], meetings=r["meetings"],
        referrals_given=r["referrals_given"], one_to_ones=r["one_to_ones"], ceu_credits=int(r["ceu_credits"]),
        visitors=r["visitors"])) for r in rows}


async def update_lights(conn: asyncpg.Connection, member_ids: list[str] | None, window: tuple[date, date],
                        scheme: TrafficLightScheme, emit: bool) -> None:
    """Re-score these members (None = all) over the window; announce the colour changes when `emit`."""
    start, end = window
    activities = await member_activity(conn, member_ids, start, end)
    if not activities:
        return
    previous = {r["member_id"]: r["colour"] for r in await conn.fetch(
        "SELECT member_id, colour FROM lights WHERE member_id = ANY($1::text[])", list(activities))}
    rows, events = [], []
    scored: dict[Activity, Score] = {}  # many members share the same counts (a rebuild scores them all)
    for member_id, (chapter_id, activity) in activities.items():
        result = scored.get(activity)
        if result is None:
            result = scored[activity] = score(activity, scheme)
        rows.append((member_id, chapter_id, result.colour, result.score, end))
        changed = traffic_light_changed(chapter_id, member_id, previous.get(member_id), result, window) \
            if emit else None
        if changed is not None:
            events.append((chapter_id, f"member-{member_id}", changed))
    await upsert(conn,
        """INSERT INTO lights SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::date[])
           ON CONFLICT (member_id) DO UPDATE SET colour = excluded.colour, score = excluded.score,
               as_of = excluded.as_of""", rows)
    if events:
        await emit_events(conn, events, key=_light_key)


def _light_key(e: TrafficLightChanged) -> str:
    return f"{e.member_id}|{e.as_of}|{e.from_colour}|{e.to_colour}"


async def update_pairs(conn: asyncpg.Connection, pairs: list[Pair] | None, window: tuple[date, date],
                       threshold: int, emit: bool) -> None:
    """Store whether these ordered pairs (None = every pair that traded in the window or was one-sided) are
    one-sided over the window; announce the ones that became so when `emit`. Counted from the pair-days:
    a row per day, not per referral."""
    start, end = window
    if pairs is None:
        # every pair that traded in the window, and every pair flagged before (it may have evened out)
        rows = await conn.fetch(
            """SELECT chapter_id, giver_id, receiver_id FROM referrals WHERE given_on BETWEEN $1 AND $2
               UNION SELECT chapter_id, giver_id, receiver_id FROM pair_states WHERE one_sided
               ORDER BY 1, 2, 3""", start, end)
        pairs = [(r[0], r[1], r[2]) for r in rows]
    if not pairs:
        return
    chapters, givers, receivers = (list(c) for c in zip(*pairs, strict=True))
    rows = await conn.fetch(
        """WITH p AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS p(chapter_id, a, b))
           SELECT p.chapter_id, p.a, p.b,
                  (SELECT coalesce(sum(d.referrals), 0)::bigint FROM pair_days d WHERE d.chapter_id = p.chapter_id
                     AND d.giver_id = p.a AND d.receiver_id = p.b AND d.day BETWEEN $4 AND $5) AS given,
                  (SELECT coalesce(sum(d.referrals), 0)::bigint FROM pair_days d WHERE d.chapter_id = p.chapter_id
                     AND d.giver_id = p.b AND d.receiver_id = p.a AND d.day BETWEEN $4 AND $5) AS received,
                  (SELECT one_sided FROM pair_states s WHERE s.giver_id = p.a AND s.receiver_id = p.b) AS was
           FROM p""", chapters, givers, receivers, start, end)
    states, events = [], []
    for r in rows:
        states.append((r["a"], r["b"], r["chapter_id"], is_one_sided(r["given"], r["received"], threshold)))
        became = pair_became_one_sided(r["chapter_id"], r["a"], r["b"], r["given"], r["received"],
                                       bool(r["was"]), window, threshold) if emit else None
        if became is not None:
            events.append((r["chapter_id"], f"pair-{r['a']}-{r['b']}", became))
    await upsert(conn,
        """INSERT INTO pair_states SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[])
           ON CONFLICT (giver_id, receiver_id) DO UPDATE SET one_sided = excluded.one_sided""", states)
    if events:
        await emit_events(conn, events, key=_pair_key)


def _pair_key(e: PairBecameOneSided) -> str:
    return f"{e.giver_id}|{e.receiver_id}|{e.as_of}"
