"""Leaders' reports: SQL aggregation of the per-day fact tables over any window [start, end].

Every report returns `{"window": ..., "as_of": ..., <tables>}`; each table is a list of flat rows so it
can be served as JSON or CSV. Values are closed-business amounts credited to the giver (thanked member)
and reported by the receiver; disputed closed business is left out of values.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from services.referrals.adapters.projection import member_activity
from services.referrals.adapters.schema import PROJECTION, current_schema
from services.referrals.domain.reports import (
    LATE_AFTER_DAYS,
    TrafficLightScheme,
    days_late,
    lateness,
    ratio,
    reciprocity_index,
    score,
)

Report = dict[str, Any]

# pure and mostly asked the same few questions (1 given, 0 back ...): Decimal arithmetic once per answer
_index = functools.lru_cache(maxsize=1 << 16)(reciprocity_index)

_CB = """SELECT thanked_member_id AS giver_id, reported_by AS receiver_id, amount FROM closed_business
         WHERE chapter_id = $1 AND occurred_on BETWEEN $2 AND $3 AND amount IS NOT NULL AND disputed_on IS NULL"""


# Every slip that happened in [$2, $3], with the day (chapter time) it was recorded.
_WEEKLY_SLIPS = """
WITH s AS (
    SELECT 'referral' AS kind, referral_id AS slip_id, giver_id AS member_id, receiver_id AS other_id,
           given_on AS occurred_on, recorded_at, referral_type, NULL::numeric AS amount, NULL::int AS credits,
           NULL::text AS mark
    FROM referrals WHERE chapter_id = $1 AND given_on BETWEEN $2 AND $3
    UNION ALL
    SELECT 'closed-business', closed_business_id, reported_by, thanked_member_id, occurred_on, recorded_at,
           referral_type, amount, NULL, NULL
    FROM closed_business WHERE chapter_id = $1 AND occurred_on BETWEEN $2 AND $3 AND amount IS NOT NULL
      AND disputed_on IS NULL
    UNION ALL
    SELECT 'one-to-one', one_to_one_id, member_a, member_b, occurred_on, recorded_at, NULL, NULL, NULL, NULL
    FROM one_to_ones WHERE chapter_id = $1 AND occurred_on BETWEEN $2 AND $3
    UNION ALL
    SELECT 'ceu', ceu_id, member_id, NULL, occurred_on, recorded_at, NULL, NULL, credits, NULL
    FROM ceus WHERE chapter_id = $1 AND occurred_on BETWEEN $2 AND $3
    UNION ALL
    SELECT 'attendance', member_id || '@' || meeting_date, member_id, NULL, meeting_date, recorded_at, NULL, NULL,
           NULL, mark
    FROM attendance WHERE chapter_id = $1 AND meeting_date BETWEEN $2 AND $3
    UNION ALL
    SELECT 'visitor-invited', visitor_id, invited_by, NULL, invited_on, invited_recorded_at, NULL, NULL, NULL, NULL
    FROM visitors WHERE chapter_id = $1 AND invited_on BETWEEN $2 AND $3
    UNION ALL
    SELECT 'visitor-attended', visitor_id, invited_by, NULL, attended_on, attended_recorded_at, NULL, NULL, NULL,
           NULL
    FROM visitors WHERE chapter_id = $1 AND attended_on BETWEEN $2 AND $3)
SELECT s.*, (s.recorded_at AT TIME ZONE coalesce(
           (SELECT timezone FROM chapters WHERE chapter_id = $1), 'UTC'))::date AS recorded_on
FROM s ORDER BY s.occurred_on, s.kind, s.slip_id"""


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


class Reports:
    def __init__(self, pool: asyncpg.Pool, scheme: TrafficLightScheme | None = None) -> None:
        self.pool = pool
        self.scheme = scheme or TrafficLightScheme()

    @contextlib.asynccontextmanager
    async def _conn(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection reading one generation consistently (repeatable read over the live schema)."""
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            # the live generation and the search path to it in one round trip
            if await conn.fetchval("SELECT set_config('search_path', schema_name || ', public', true)"
                                   " FROM projection_generations WHERE name = $1", PROJECTION) is None:
                schema = await current_schema(conn)
                await conn.execute(f"SET LOCAL search_path TO {schema}, public")
            yield conn

    async def _as_of(self, conn: asyncpg.Connection, chapter_id: str) -> dict[str, Any]:
        rows = {r["chapter_id"]: r for r in await conn.fetch(
            "SELECT chapter_id, last_sequence, last_time, events FROM progress WHERE chapter_id IN ($1, '')",
            chapter_id)}
        row, total = rows.get(chapter_id), rows.get("")
        return {"sequence": row["last_sequence"] if row else 0, "time": row["last_time"] if row else None,
                "events": row["events"] if row else 0,
                "all_chapters_sequence": total["last_sequence"] if total else 0}

    async def version(self, chapter_id: str) -> tuple[Any, ...]:
        """What a chapter's reports depend on: the live generation, and how far the chapter's (and all
        chapters') events are applied. Every applied batch moves the progress of the chapters it touched,
        so equal versions mean equal reports for the same window (two round trips, no transaction)."""
        async with self.pool.acquire() as conn:
            schema = await current_schema(conn)
            rows = await conn.fetch(f"SELECT chapter_id, last_sequence, events FROM {schema}.progress"
                                    " WHERE chapter_id = $1 OR chapter_id = '' ORDER BY chapter_id", chapter_id)
        return (schema, *(tuple(r) for r in rows))

    async def chapter(self, chapter_id: str) -> dict[str, Any] | None:
        async with self._conn() as conn:
            row = await conn.fetchrow("SELECT * FROM chapters WHERE chapter_id = $1", chapter_id)
            if row is None and await conn.fetchval("SELECT 1 FROM members WHERE chapter_id = $1 LIMIT 1",
                                                   chapter_id) is None:
                return None
        return dict(row) if row else {"chapter_id": chapter_id}

    async def applied(self, sequence: int) -> bool:
        async with self._conn() as conn:
            return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM applied_sequences WHERE sequence = $1)",
                                            sequence))

    async def wait_for(self, sequence: int, wait_ms: int) -> bool:
        """Read-your-writes: wait until the members event at `sequence` is applied; False on timeout."""
        deadline = asyncio.get_running_loop().time() + wait_ms / 1000
        while True:
            if await self.applied(sequence):
                return True
            if asyncio.get_running_loop().time() >= deadline:
                return False
            await asyncio.sleep(0.02)

    async def last_sequence(self, chapter_id: str) -> int:
        async with self._conn() as conn:
            return int(await conn.fetchval("SELECT coalesce(max(last_sequence), 0) FROM progress"
                                           " WHERE chapter_id = $1", chapter_id))

    # --- reciprocity --------------------------------------------------------------------------------

    async def reciprocity(self, chapter_id: str, start: date, end: date) -> Report:
        async with self._conn() as conn:
            members = await conn.fetch(
                """SELECT member_id, member_name, business, category FROM members
                   WHERE chapter_id = $1 AND (joined_on IS NULL OR joined_on <= $3)
                     AND (left_on IS NULL OR left_on >= $2) ORDER BY member_id""", chapter_id, start, end)
            pairs = await conn.fetch(
                f"""WITH r AS (SELECT giver_id, receiver_id, count(*) AS referrals, max(given_on) AS last_on
                               FROM referrals WHERE chapter_id = $1 AND given_on BETWEEN $2 AND $3 GROUP BY 1, 2),
                         v AS (SELECT giver_id, receiver_id, sum(amount) AS value FROM ({_CB}) cb GROUP BY 1, 2)
                    SELECT coalesce(r.giver_id, v.giver_id) AS giver_id,
                           coalesce(r.receiver_id, v.receiver_id) AS receiver_id,
                           coalesce(r.referrals, 0) AS referrals, coalesce(v.value, 0) AS value, r.last_on
                    FROM r FULL JOIN v ON r.giver_id = v.giver_id AND r.receiver_id = v.receiver_id
                    ORDER BY 1, 2""", chapter_id, start, end)
            # dormant: pairs with one-to-ones in the window but no referral either way in it, and when they
            # last exchanged one (two index descents on referrals_pair_idx per such pair)
            dormant = await conn.fetch(
                """WITH o AS (SELECT member_a, member_b, count(*) AS one_to_ones, max(occurred_on) AS last_one_to_one
                              FROM one_to_ones WHERE chapter_id = $1 AND occurred_on BETWEEN $2 AND $3
                              GROUP BY 1, 2),
                        w AS (SELECT DISTINCT giver_id, receiver_id FROM referrals
                              WHERE chapter_id = $1 AND given_on BETWEEN $2 AND $3)
                   SELECT o.*, greatest(
                       (SELECT max(given_on) FROM referrals r WHERE r.giver_id = o.member_a
                          AND r.receiver_id = o.member_b AND r.given_on <= $3 AND r.chapter_id = $1),
                       (SELECT max(given_on) FROM referrals r WHERE r.giver_id = o.member_b
                          AND r.receiver_id = o.member_a AND r.given_on <= $3 AND r.chapter_id = $1)
                   ) AS last_referral_on
                   FROM o LEFT JOIN w ab ON ab.giver_id = o.member_a AND ab.receiver_id = o.member_b
                          LEFT JOIN w ba ON ba.giver_id = o.member_b AND ba.receiver_id = o.member_a
                   WHERE ab.giver_id IS NULL AND ba.giver_id IS NULL
                   ORDER BY o.member_a, o.member_b""", chapter_id, start, end)
            as_of = await self._as_of(conn, chapter_id)
        index = {(p["giver_id"], p["receiver_id"]): p for p in pairs}
        member_ids = [m["member_id"] for m in members]
        known = set(member_ids)
        for p in pairs:  # someone active in the window whose membership event has not arrived yet
            for m in (p["giver_id"], p["receiver_id"]):
                if m not in known:
                    known.add(m)
                    member_ids.append(m)
        info = {m["member_id"]: m for m in members}

        def name(member_id: str) -> str | None:
            return info[member_id]["member_name"] if member_id in info else None

        # one pass over the pairs for every member's totals (not one pass per member)
        given: dict[str, int] = dict.fromkeys(member_ids, 0)
        received: dict[str, int] = dict.fromkeys(member_ids, 0)
        value_given: dict[str, Decimal] = {m: Decimal(0) for m in member_ids}
        value_received: dict[str, Decimal] = {m: Decimal(0) for m in member_ids}
        gave_to: dict[str, set[str]] = {m: set() for m in member_ids}
        got_from: dict[str, set[str]] = {m: set() for m in member_ids}
        for p in pairs:
            a, b, n, v = p["giver_id"], p["receiver_id"], p["referrals"], p["value"]
            given[a] += n
            received[b] += n
            value_given[a] += v
            value_received[b] += v
            if n:
                gave_to[a].add(b)
                got_from[b].add(a)
        member_rows = []
        for m in member_ids:
            g, r, vg, vr = given[m], received[m], value_given[m], value_received[m]
            member_rows.append({
                "member_id": m, "member_name": info[m]["member_name"] if m in info else None,
                "business": info[m]["business"] if m in info else None,
                "given": g, "received": r, "balance": g - r,
                "index": _index(g, r),
                "value_given": vg, "value_received": vr,
                "value_balance": vg - vr,
                "value_index": _index(vg, vr),
                "gave_to": len(gave_to[m]), "received_from": len(got_from[m]),
                "breadth": len(gave_to[m] | got_from[m]),
            })
        pair_rows = []
        for (a, b), p in index.items():
            back = index.get((b, a))
            back_n = back["referrals"] if back else 0
            back_v = back["value"] if back else Decimal(0)
            pair_rows.append({
                "giver_id": a, "receiver_id": b, "referrals": p["referrals"], "value": p["value"],
                "referrals_back": back_n, "value_back": back_v,
                "index": _index(p["referrals"], back_n),
                "value_index": _index(p["value"], back_v),
                "two_way": bool(p["referrals"] and back_n), "last_referral_on": p["last_on"],
                "giver_name": name(a), "receiver_name": name(b),
            })
        two_way = sorted({tuple(sorted((r["giver_id"], r["receiver_id"]))) for r in pair_rows if r["two_way"]})
        dormant_rows = [{
            "member_a": d["member_a"], "member_b": d["member_b"], "one_to_ones": d["one_to_ones"],
            "last_one_to_one": d["last_one_to_one"], "last_referral_on": d["last_referral_on"],
            "days_since_last_referral": (end - d["last_referral_on"]).days if d["last_referral_on"] else None,
            "days_since_last_one_to_one": (end - d["last_one_to_one"]).days,
            "member_a_name": name(d["member_a"]), "member_b_name": name(d["member_b"]),
        } for d in dormant if not ((d["member_a"], d["member_b"]) in index and index[(d["member_a"], d["member_b"])]
                                   ["referrals"]) and not ((d["member_b"], d["member_a"]) in index
                                   and index[(d["member_b"], d["member_a"])]["referrals"])]
        return {
            "chapter_id": chapter_id, "window": {"from": start, "to": end}, "as_of": as_of,
            "members": member_rows, "pairs": pair_rows,
            "two_way_pairs": [{"member_a": a, "member_b": b} for a, b in two_way],
            "nobody_refers_to": [{"member_id": r["member_id"]} for r in member_rows if r["received"] == 0],
            "dormant": dormant_rows,
        }

    # --- conversion ---------------------------------------------------------------------------------

    async def conversion(self, chapter_id: str, start: date, end: date) -> Report:
        async with self._conn() as conn:
            rows = await conn.fetch(
                """WITH rr AS (
                       SELECT r.*, (SELECT sum(amount) FROM closed_business c WHERE c.referral_id = r.referral_id
                                      AND c.amount IS NOT NULL AND c.disputed_on IS NULL) AS value
                       FROM referrals r WHERE r.chapter_id = $1 AND r.given_on BETWEEN $2 AND $3)
                   SELECT giver_id, receiver_id, temperature,
                          GROUPING(giver_id) AS g_giver, GROUPING(receiver_id) AS g_receiver,
                          GROUPING(temperature) AS g_temperature,
                          count(*) AS given, count(accepted_on) AS accepted, count(contacted_on) AS contacted,
                          count(*) FILTER (WHERE status = 'won') AS won,
                          count(*) FILTER (WHERE status IN ('lost', 'declined')) AS lost,
                          count(*) FILTER (WHERE status NOT IN ('won', 'lost', 'declined')) AS open,
                          coalesce(sum(value), 0) AS value,
                          round(avg(contacted_on - given_on), 1) AS avg_days_to_contact,
                          round(avg(won_on - given_on) FILTER (WHERE status = 'won'), 1) AS avg_days_to_close
                   FROM rr GROUP BY GROUPING SETS ((giver_id), (receiver_id), (giver_id, receiver_id),
                                                   (temperature), ())
                   ORDER BY 1, 2, 3""", chapter_id, start, end)
            unlinked = await conn.fetch(
                """SELECT c.closed_business_id, c.reported_by AS receiver_id, c.thanked_member_id AS giver_id,
                          c.amount, c.business_kind, c.occurred_on, c.referral_id
                   FROM closed_business c
                   WHERE c.chapter_id = $1 AND c.occurred_on BETWEEN $2 AND $3 AND c.amount IS NOT NULL
                     AND (c.referral_id IS NULL
                          OR NOT EXISTS (SELECT 1 FROM referrals r WHERE r.referral_id = c.referral_id
                                         AND r.given_on IS NOT NULL))
                   ORDER BY c.occurred_on, c.closed_business_id""", chapter_id, start, end)
            as_of = await self._as_of(conn, chapter_id)

        def line(r: asyncpg.Record, **keys: Any) -> dict[str, Any]:
            return {**keys, "given": r["given"], "accepted": r["accepted"], "contacted": r["contacted"],
                    "won": r["won"], "lost": r["lost"], "open": r["open"],
                    "conversion": ratio(r["won"], r["given"]), "value": r["value"],
                    "avg_days_to_contact": r["avg_days_to_contact"], "avg_days_to_close": r["avg_days_to_close"]}

        by_giver, by_receiver, by_pair, by_temp, total = [], [], [], [], []
        for r in rows:
            g, rc, t = r["g_giver"], r["g_receiver"], r["g_temperature"]
            if not g and not rc:
                by_pair.append(line(r, giver_id=r["giver_id"], receiver_id=r["receiver_id"]))
            elif not g:
                by_giver.append(line(r, giver_id=r["giver_id"]))
            elif not rc:
                by_receiver.append(line(r, receiver_id=r["receiver_id"]))
            elif not t:
                by_temp.append(line(r, temperature=r["temperature"]))
            else:
                total.append(line(r))
        funnel = total[0] if total else line_empty()
        return {
            "chapter_id": chapter_id, "window": {"from": start, "to": end}, "as_of": as_of,
            "funnel": [{"stage": s, "count": funnel[s]} for s in ("given", "accepted", "contacted", "won")],
            "total": [funnel], "by_giver": by_giver, "by_receiver": by_receiver, "by_pair": by_pair,
            "by_temperature": by_temp,
            "unlinked_closed_business": [dict(u) for u in unlinked],
        }

    # --- scorecards and summaries -------------------------------------------------------------------

    async def scorecards(self, chapter_id: str, start: date, end: date,
                         member_id: str | None = None) -> Report:
        async with self._conn() as conn:
            activities = await member_activity(conn, [member_id] if member_id else None, start, end, chapter_id)
            names = {r["member_id"]: r["member_name"] for r in await conn.fetch(
                "SELECT member_id, member_name FROM members WHERE chapter_id = $1", chapter_id)}
            as_of = await self._as_of(conn, chapter_id)
        rows = []
        for mid, (_chapter, activity) in activities.items():
            result = score(activity, self.scheme)
            rows.append({"member_id": mid, "member_name": names.get(mid), "colour": result.colour,
                         "score": result.score, **{f"points_{a}": p for a, p in result.points.items()},
                         "days": activity.days, "meetings": activity.meetings, "absences": activity.absences,
                         "referrals_given": activity.referrals_given, "one_to_ones": activity.one_to_ones,
                         "ceu_credits": activity.ceu_credits, "visitors": activity.visitors})
        return {"chapter_id": chapter_id, "window": {"from": start, "to": end}, "as_of": as_of,
                "scorecards": rows}

    async def _summary_row(self, conn: asyncpg.Connection, chapter_id: str, start: date, end: date) -> dict[str, Any]:
        row = await conn.fetchrow(
            f"""SELECT
                 (SELECT count(*) FROM members WHERE chapter_id = $1 AND joined_on <= $3
                    AND (left_on IS NULL OR left_on >= $2)) AS members,
                 (SELECT count(*) FROM referrals WHERE chapter_id = $1 AND given_on BETWEEN $2 AND $3) AS referrals,
                 (SELECT count(*) FROM referrals WHERE chapter_id = $1 AND given_on BETWEEN $2 AND $3
                    AND referral_type = 'inside') AS inside,
                 (SELECT count(*) FROM referrals WHERE chapter_id = $1 AND given_on BETWEEN $2 AND $3
                    AND referral_type = 'outside') AS outside,
                 (SELECT count(*) FROM referrals WHERE chapter_id = $1 AND given_on BETWEEN $2 AND $3
                    AND referral_type = 'tier-3') AS tier_3,
                 (SELECT count(*) FROM referrals WHERE chapter_id = $1 AND given_on BETWEEN $2 AND $3
                    AND status = 'won') AS won,
                 (SELECT count(*) FROM ({_CB}) cb) AS closed_business,
                 (SELECT coalesce(sum(amount), 0) FROM ({_CB}) cb) AS closed_business_value,
                 (SELECT count(*) FROM one_to_ones WHERE chapter_id = $1 AND occurred_on BETWEEN $2 AND $3)
                    AS one_to_ones,
                 (SELECT coalesce(sum(credits), 0) FROM ceus WHERE chapter_id = $1 AND occurred_on BETWEEN $2 AND $3)
                    AS ceu_credits,
                 (SELECT count(*) FROM visitors WHERE chapter_id = $1 AND attended_on BETWEEN $2 AND $3) AS visitors,
                 (SELECT count(*) FROM visitors WHERE chapter_id = $1 AND attended_on BETWEEN $2 AND $3
                    AND became_member_on IS NOT NULL) AS visitors_joined""", chapter_id, start, end)
        out = dict(row)
        out["visitor_conversion"] = ratio(out["visitors_joined"], out["visitors"])
        out["referrals_per_member"] = ratio(out["referrals"], out["members"])
        return out

    async def summary(self, chapter_id: str, start: date, end: date) -> Report:
        cards = await self.scorecards(chapter_id, start, end)
        async with self._conn() as conn:
            row = await self._summary_row(conn, chapter_id, start, end)
            chapter = await conn.fetchrow("SELECT chapter_name, region, currency FROM chapters WHERE chapter_id = $1",
                                          chapter_id)
            as_of = await self._as_of(conn, chapter_id)
        lights = {c: 0 for c in ("green", "yellow", "red", "grey")}
        for card in cards["scorecards"]:
            lights[card["colour"]] += 1
        return {"chapter_id": chapter_id, "window": {"from": start, "to": end}, "as_of": as_of,
                "chapter": dict(chapter) if chapter else None,
                "summary": [{"chapter_id": chapter_id, **row, **{f"lights_{k}": v for k, v in lights.items()}}]}

    async def region(self, region: str, start: date, end: date) -> Report:
        async with self._conn() as conn:
            chapters = await conn.fetch("SELECT chapter_id, chapter_name, city FROM chapters WHERE region = $1"
                                        " ORDER BY chapter_name, chapter_id", region)
            rows = [{"chapter_id": c["chapter_id"], "chapter_name": c["chapter_name"], "city": c["city"],
                     **await self._summary_row(conn, c["chapter_id"], start, end)} for c in chapters]
        return {"region": region, "window": {"from": start, "to": end}, "chapters": rows}

    async def region_of(self, chapter_id: str) -> str | None:
        async with self._conn() as conn:
            return await conn.fetchval("SELECT region FROM chapters WHERE chapter_id = $1", chapter_id)

    # --- weekly slip report (PALMS) -----------------------------------------------------------------

    async def weekly(self, chapter_id: str, start: date, end: date) -> Report:
        """Per member, the slips that HAPPENED in [start, end] (a week), and how late they were recorded.

        A slip counts in the row of every member it involves (a referral: giver and receiver; closed
        business: the member who reported it and the one thanked; a one-to-one: both; attendance, CEU:
        the member; a visitor: who invited them), so each row's lateness says how late that row's figures
        are; the chapter's totals count every slip once. Disputed closed business is left out."""
        async with self._conn() as conn:
            members = await conn.fetch(
                """SELECT member_id, member_name, business FROM members
                   WHERE chapter_id = $1 AND (joined_on IS NULL OR joined_on <= $3)
                     AND (left_on IS NULL OR left_on >= $2)""", chapter_id, start, end)
            slips = await conn.fetch(_WEEKLY_SLIPS, chapter_id, start, end)
            as_of = await self._as_of(conn, chapter_id)
        info = {m["member_id"]: m for m in members}
        rows: dict[str, dict[str, Any]] = {}
        row_days: dict[str, list[int | None]] = {}

        def row(member_id: str) -> dict[str, Any]:
            out = rows.get(member_id)
            if out is None:
                m = info.get(member_id)
                out = rows[member_id] = {
                    "member_id": member_id, "member_name": m["member_name"] if m else None,
                    "business": m["business"] if m else None, "meeting_date": None, "attendance": None,
                    "referrals_given": 0, "referrals_given_inside": 0, "referrals_given_outside": 0,
                    "referrals_given_tier_3": 0, "referrals_received": 0, "visitors_invited": 0,
                    "visitors_attended": 0, "one_to_ones": 0, "tyfcb_as_giver": Decimal(0),
                    "tyfcb_as_receiver": Decimal(0), "ceus": 0}
                row_days[member_id] = []
            return out

        for m in members:
            row(m["member_id"])
        total: dict[str, Any] = {
            "members": len(members), "present": 0, "absent": 0, "late": 0, "medical": 0, "substitute": 0,
            "referrals_given": 0, "referrals_given_inside": 0, "referrals_given_outside": 0,
            "referrals_given_tier_3": 0, "visitors_invited": 0, "visitors_attended": 0, "one_to_ones": 0,
            "tyfcb": Decimal(0), "ceus": 0}
        marks = {"P": "present", "A": "absent", "L": "late", "M": "medical", "S": "substitute"}
        all_days: list[int | None] = []
        by_kind: dict[str, list[int | None]] = {}
        late_rows = []
        for s in slips:
            kind, who, other = s["kind"], s["member_id"], s["other_id"]
            late = days_late(s["occurred_on"], s["recorded_on"])
            all_days.append(late)
            by_kind.setdefault(kind, []).append(late)
            involved = [who] if other is None or other == who else [who, other]
            for member_id in involved:
                row_days.setdefault(member_id, [])
                row(member_id)
                row_days[member_id].append(late)
            mine = rows[who]
            if kind == "referral":
                key = "referrals_given_" + (s["referral_type"] or "outside").replace("-", "_")
                for out in (mine, total):
                    out["referrals_given"] += 1
                    if key in out:
                        out[key] += 1
                rows[other]["referrals_received"] += 1
            elif kind == "closed-business":  # reported by the receiver, crediting (thanking) the giver
                mine["tyfcb_as_receiver"] += s["amount"]
                rows[other]["tyfcb_as_giver"] += s["amount"]
                total["tyfcb"] += s["amount"]
            elif kind == "one-to-one":
                for member_id in involved:
                    rows[member_id]["one_to_ones"] += 1
                total["one_to_ones"] += 1
            elif kind == "ceu":
                mine["ceus"] += s["credits"]
                total["ceus"] += s["credits"]
            elif kind == "attendance":
                if mine["meeting_date"] is None or s["occurred_on"] >= mine["meeting_date"]:
                    mine["meeting_date"], mine["attendance"] = s["occurred_on"], s["mark"]
            elif kind in ("visitor-invited", "visitor-attended"):
                key = "visitors_" + kind.removeprefix("visitor-")
                mine[key] += 1
                total[key] += 1
            if late is not None and late > LATE_AFTER_DAYS:
                late_rows.append({
                    "kind": kind, "slip_id": s["slip_id"], "member_id": who,
                    "member_name": info[who]["member_name"] if who in info else None, "other_member_id": other,
                    "other_member_name": info[other]["member_name"] if other in info else None,
                    "occurred_on": s["occurred_on"], "recorded_on": s["recorded_on"], "days_late": late})
        for r in rows.values():  # the mark of the week's (last) meeting
            if r["attendance"] is not None:
                total[marks.get(r["attendance"], "present")] += 1
        member_rows = sorted(({**r, **lateness(row_days[m])} for m, r in rows.items()),
                             key=lambda r: (r["member_name"] is None, r["member_name"] or "", r["member_id"]))
        late_rows.sort(key=lambda r: (-r["days_late"], r["occurred_on"], r["kind"], r["slip_id"]))
        return {
            "chapter_id": chapter_id, "week": {"from": start, "to": end, "iso_week": _iso_week(start)},
            "late_after_days": LATE_AFTER_DAYS, "as_of": as_of,
            "members": member_rows,
            "totals": [{"chapter_id": chapter_id, **total, **lateness(all_days)}],
            "lateness_by_kind": [{"kind": k, **lateness(v)} for k, v in sorted(by_kind.items())],
            "late_slips": late_rows,
        }

    # --- ledger -------------------------------------------------------------------------------------

    async def ledger(self, chapter_id: str, start: date, end: date, *, member_id: str | None = None,
                     giver_id: str | None = None, receiver_id: str | None = None, status: str | None = None,
                     referral_type: str | None = None, temperature: int | None = None,
                     limit: int = 500, offset: int = 0) -> Report:
        async with self._conn() as conn:
            rows = await conn.fetch(
                """SELECT r.referral_id, r.given_on, r.giver_id, r.receiver_id, r.referral_type, r.temperature,
                          r.status, r.accepted_on, r.contacted_on, r.won_on, r.closed_on,
                          r.contacted_on - r.given_on AS days_to_contact,
                          CASE WHEN r.status = 'won' THEN r.won_on - r.given_on END AS days_to_close,
                          (SELECT coalesce(sum(amount), 0) FROM closed_business c WHERE c.referral_id = r.referral_id
                             AND c.amount IS NOT NULL AND c.disputed_on IS NULL) AS closed_business_value,
                          (SELECT string_agg(closed_business_id, ' ' ORDER BY closed_business_id)
                             FROM closed_business c WHERE c.referral_id = r.referral_id) AS closed_business_ids,
                          (SELECT string_agg(to_status || '@' || occurred_on, ' ' ORDER BY occurred_on, seq)
                             FROM referral_steps s WHERE s.referral_id = r.referral_id) AS history
                   FROM referrals r
                   WHERE r.chapter_id = $1 AND r.given_on BETWEEN $2 AND $3
                     AND ($4::text IS NULL OR r.giver_id = $4 OR r.receiver_id = $4)
                     AND ($5::text IS NULL OR r.giver_id = $5) AND ($6::text IS NULL OR r.receiver_id = $6)
                     AND ($7::text IS NULL OR r.status = $7) AND ($8::text IS NULL OR r.referral_type = $8)
                     AND ($9::int IS NULL OR r.temperature = $9)
                   ORDER BY r.given_on, r.referral_id LIMIT $10 OFFSET $11""",
                chapter_id, start, end, member_id, giver_id, receiver_id, status, referral_type, temperature,
                limit, offset)
            as_of = await self._as_of(conn, chapter_id)
        return {"chapter_id": chapter_id, "window": {"from": start, "to": end}, "as_of": as_of,
                "referrals": [dict(r) for r in rows]}


def line_empty() -> dict[str, Any]:
    return {"given": 0, "accepted": 0, "contacted": 0, "won": 0, "lost": 0, "open": 0, "conversion": None,
            "value": Decimal(0), "avg_days_to_contact": None, "avg_days_to_close": None}
