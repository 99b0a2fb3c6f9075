"""The referrals projection: members' facts into per-day tables, in batches, idempotent and order-safe.

Every event becomes an upsert of a fact row keyed by the fact's own id (referral, status step, closed
business, one-to-one, CEU, visitor, (member, meeting date)), so applying an event twice, or events of
different topics in any order, ends in the same rows. Reports aggregate those rows for any window.

The same code serves the live consumer (small batches, derived events emitted) and the rebuild (large
batches read straight from Kafka, no derived events).
"""

from __future__ import annotations

import re
import uuid
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from services.referrals.adapters.schema import current_schema
from services.referrals.domain.reports import Activity, Score, TrafficLightScheme, default_window, score
from shared.consumer import Delivered
from shared.contracts.referrals import PairBecameOneSided, ReferralConverted, TrafficLightChanged
from shared.event_store import EventStore, NewEvent
from shared.events import split_type

ONE_SIDED_THRESHOLD = 3
_NS = uuid.UUID("5b0c55e2-6a59-4c1e-9a43-7f0d1b9e0a11")


@dataclass(slots=True)
class Fact:
    """One members event as the projection needs it: short type name, JSON data, store position, time."""

    kind: str
    data: dict[str, Any]
    sequence: int
    time: str
    chapter_id: str


def fact_of(delivered: Delivered) -> Fact:
    name, _ = split_type(delivered.envelope.type)
    return Fact(kind=name.rsplit(".", 1)[-1], data=delivered.payload.model_dump(mode="json"),
                sequence=delivered.envelope.sequence, time=delivered.envelope.time.isoformat(),
                chapter_id=delivered.envelope.chapterid)


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _t(value: str | None) -> datetime | None:
    """When the slip was recorded (the CloudEvent `time`)."""
    return datetime.fromisoformat(value) if value else None


def _latest(rows: Iterable[tuple[Any, ...]], key: Callable[[tuple[Any, ...]], Any],
            seq_index: int = -1) -> list[tuple[Any, ...]]:
    """One row per key (the one with the highest sequence): one INSERT may not touch a row twice."""
    best: dict[Any, tuple[Any, ...]] = {}
    for row in rows:
        k = key(row)
        old = best.get(k)
        if old is None or row[seq_index] >= old[seq_index]:
            best[k] = row
    return list(best.values())


_UNNEST = re.compile(r"unnest\(((?:\$\d+::[a-z]+\[\],?\s*)+)\)")
COPY_ROWS = 2000
"""From this many rows on, `upsert` goes through COPY (a rebuild's batches; the live ones stay below)."""


async def upsert(conn: asyncpg.Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Run `sql`, whose row source is `unnest($1::type[], ..., $n::type[])`, for these rows. A small batch
    passes them as n arrays (one round trip). A big one is COPYed (binary) into a temporary staging table
    that stands in for the `unnest(...)`: far cheaper on both sides than arrays of 20,000 values, each
    checked and encoded one by one."""
    match = _UNNEST.search(sql)
    assert match is not None, sql
    types = re.findall(r"::([a-z]+)\[\]", match[1])
    if len(rows) < COPY_ROWS:
        await conn.execute(sql, *_columns(rows, len(types)))
        return
    stage = f"_stage_{zlib.crc32(','.join(types).encode()):08x}"
    await conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ("
                       + ", ".join(f"c{i} {t}" for i, t in enumerate(types)) + ")")
    await conn.copy_records_to_table(stage, records=rows)
    await conn.execute(f"{sql[:match.start()]}{stage}{sql[match.end():]}; TRUNCATE {stage}")


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    return [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


_DERIVE = """UPDATE referrals r SET status = s.status, accepted_on = s.accepted_on,
       contacted_on = s.contacted_on, won_on = s.won_on, closed_on = s.closed_on,
       last_step_on = s.last_step_on{emitted}
   FROM (SELECT referral_id,
                (array_agg(to_status ORDER BY occurred_on DESC, seq DESC))[1] AS status,
                min(occurred_on) FILTER (WHERE to_status IN ('accepted', 'contacted', 'won', 'lost'))
                    AS accepted_on,
                min(occurred_on) FILTER (WHERE to_status IN ('contacted', 'won')) AS contacted_on,
                min(occurred_on) FILTER (WHERE to_status = 'won') AS won_on,
                min(occurred_on) FILTER (WHERE to_status IN ('won', 'lost', 'declined')) AS closed_on,
                max(occurred_on) AS last_step_on
         FROM referral_steps {steps} GROUP BY referral_id) s
   WHERE r.referral_id = s.referral_id"""


class ReferralsProjection:
    """`apply` is called by the consumer runtime inside the transaction that records the events applied."""

    name = "referrals"

    def __init__(self, scheme: TrafficLightScheme | None = None, emit: bool = True,
                 today: Callable[[], date] = date.today, schema: str | None = None) -> None:
        self.scheme = scheme or TrafficLightScheme()
        self.emit = emit
        self.today = today
        self.schema = schema  # fixed schema (rebuild); None = the live generation, looked up per batch
        self.deferred: set[str] = set()

    async def derive_deferred(self, conn: asyncpg.Connection) -> None:
        ids = sorted(self.deferred)
        self.deferred.clear()
        if ids:
            await self._derive_referrals(conn, ids)
            await self._conversions(conn, ids)

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        await self.apply_facts(conn, [fact_of(d) for d in events])

    async def apply_facts(self, conn: asyncpg.Connection, facts: Sequence[Fact],
                          progress_of: Sequence[Fact] | None = None) -> None:
        """Apply `facts` and record `progress_of` (default: the same facts) as applied. A rebuild splits a
        batch over two connections by table and records the batch's progress on one of them."""
        schema = self.schema or await current_schema(conn)
        await conn.execute(f"SET LOCAL search_path TO {schema}, public")
        by_kind: dict[str, list[Fact]] = {}
        for fact in facts:
            by_kind.setdefault(fact.kind, []).append(fact)
        touched_members: set[str] = set()
        touched_referrals: set[str] = set()
        touched_pairs: set[tuple[str, str, str]] = set()
        for kind, group in by_kind.items():
            handler = getattr(self, "_" + kind.replace("-", "_"), None)
            if handler is not None:
                await handler(conn, group, touched_members, touched_referrals, touched_pairs)
        if touched_referrals and not self.emit and self.schema is not None:
            self.deferred.update(touched_referrals)  # a rebuild derives them once, at the end
        elif touched_referrals:
            await self._derive_referrals(conn, sorted(touched_referrals))
            await self._conversions(conn, sorted(touched_referrals))
        if self.emit:
            if touched_members:
                await self.update_lights(conn, sorted(touched_members), emit=True)
            if touched_pairs:
                await self.update_pairs(conn, sorted(touched_pairs), emit=True)
        await self._progress(conn, facts if progress_of is None else progress_of)

    # --- chapters and members -----------------------------------------------------------------------

    async def _chapter_founded(self, conn: asyncpg.Connection, facts: list[Fact], *_: Any) -> None:
        rows = _latest(((f.data["chapter_id"], f.data["chapter_name"], f.data["city"], f.data["region"],
                         f.data["currency"], f.data["timezone"], _d(f.data["founded_on"]), f.sequence)
                        for f in facts), key=lambda r: r[0])
        await upsert(conn,
            """INSERT INTO chapters SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                   $5::text[], $6::text[], $7::date[])
               ON CONFLICT (chapter_id) DO UPDATE SET chapter_name = excluded.chapter_name, city = excluded.city,
                   region = excluded.region, currency = excluded.currency, timezone = excluded.timezone,
                   founded_on = excluded.founded_on""", [r[:7] for r in rows])

    async def _member_joined(self, conn: asyncpg.Connection, facts: list[Fact], members: set[str],
                             *_: Any) -> None:
        rows = _latest(((f.data["member_id"], f.data["chapter_id"], f.data["member_name"], f.data["business"],
                         f.data["category"], f.data.get("role") or "member", _d(f.data["joined_on"]), f.sequence)
                        for f in facts), key=lambda r: r[0])
        members.update(r[0] for r in rows)
        await upsert(conn,
            """INSERT INTO members (member_id, chapter_id, member_name, business, category, role, joined_on,
                                    role_seq)
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                    $7::date[], $8::bigint[])
               ON CONFLICT (member_id) DO UPDATE SET chapter_id = excluded.chapter_id,
                   member_name = excluded.member_name, business = excluded.business, category = excluded.category,
                   joined_on = excluded.joined_on,
                   role = CASE WHEN members.role_seq > excluded.role_seq THEN members.role ELSE excluded.role END,
                   role_seq = greatest(members.role_seq, excluded.role_seq)""", rows)

    async def _role_assigned(self, conn: asyncpg.Connection, facts: list[Fact], *_: Any) -> None:
        rows = _latest(((f.data["member_id"], f.data["chapter_id"], f.data["role"], f.sequence) for f in facts),
                       key=lambda r: r[0])
        await upsert(conn,
            """INSERT INTO members (member_id, chapter_id, role, role_seq)
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
               ON CONFLICT (member_id) DO UPDATE SET role = excluded.role, role_seq = excluded.role_seq
               WHERE members.role_seq < excluded.role_seq""", rows)

    async def _member_left(self, conn: asyncpg.Connection, facts: list[Fact], members: set[str], *_: Any) -> None:
        rows = _latest(((f.data["member_id"], f.data["chapter_id"], _d(f.data["left_on"]),
                         bool(f.data.get("dropped")), f.sequence) for f in facts), key=lambda r: r[0])
        await upsert(conn,
            """INSERT INTO members (member_id, chapter_id, left_on, dropped)
               SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::bool[])
               ON CONFLICT (member_id) DO UPDATE SET left_on = excluded.left_on, dropped = excluded.dropped""",
            [r[:4] for r in rows])

    async def _membership_renewed(self, conn: asyncpg.Connection, facts: list[Fact], *_: Any) -> None:
        rows = _latest(((f.data["member_id"], f.data["chapter_id"], _d(f.data["renewed_until"]), f.sequence)
                        for f in facts), key=lambda r: r[0])
        await upsert(conn,
            """INSERT INTO members (member_id, chapter_id, renewed_until)
               SELECT * FROM unnest($1::text[], $2::text[], $3::date[])
               ON CONFLICT (member_id) DO UPDATE SET renewed_until =
                   greatest(members.renewed_until, excluded.renewed_until)""", [r[:3] for r in rows])

    # --- referrals and closed business --------------------------------------------------------------

    async def _referral_given(self, conn: asyncpg.Connection, facts: list[Fact], members: set[str],
                              referrals: set[str], pairs: set[tuple[str, str, str]]) -> None:
        rows = _latest(((f.data["referral_id"], f.data["chapter_id"], f.data["giver_id"], f.data["receiver_id"],
                         f.data["referral_type"], int(f.data["temperature"]), _d(f.data["occurred_on"]),
                         f.sequence, _t(f.time)) for f in facts), key=lambda r: r[0], seq_index=7)
        for r in rows:
            referrals.add(r[0])
            members.add(r[2])
            pairs.add((r[1], r[2], r[3]))
        await upsert(conn,
            """INSERT INTO referrals (referral_id, chapter_id, giver_id, receiver_id, referral_type, temperature,
                                      given_on, seq, recorded_at)
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[],
                                    $7::date[], $8::bigint[], $9::timestamptz[])
               ON CONFLICT (referral_id) DO UPDATE SET referral_type = excluded.referral_type,
                   temperature = excluded.temperature, given_on = excluded.given_on, seq = excluded.seq,
                   recorded_at = excluded.recorded_at,
                   giver_id = excluded.giver_id, receiver_id = excluded.receiver_id""", rows)

    async def _referral_status_changed(self, conn: asyncpg.Connection, facts: list[Fact], members: set[str],
                                       referrals: set[str], *_: Any) -> None:
        steps = _latest(((f"{f.data['referral_id']}@{f.sequence}", f.data["referral_id"], f.data["from_status"],
                          f.data["to_status"], f.data.get("reason"), _d(f.data["occurred_on"]), f.sequence)
                         for f in facts), key=lambda r: r[0])
        stubs = _latest(((f.data["referral_id"], f.data["chapter_id"], f.data["giver_id"], f.data["receiver_id"],
                          f.sequence) for f in facts), key=lambda r: r[0])
        referrals.update(r[0] for r in stubs)
        # A step may arrive before its referral: a stub row, completed when the referral arrives.
        await upsert(conn,
            """INSERT INTO referrals (referral_id, chapter_id, giver_id, receiver_id)
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
               ON CONFLICT (referral_id) DO NOTHING""", [r[:4] for r in stubs])
        await upsert(conn,
            """INSERT INTO referral_steps SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                   $5::text[], $6::date[], $7::bigint[]) ON CONFLICT (event_id) DO NOTHING""", steps)

    async def _derive_referrals(self, conn: asyncpg.Connection, ids: list[str]) -> None:
        """Status and milestone dates from the whole step history, so step order of arrival is irrelevant."""
        await conn.execute(_DERIVE.format(steps="WHERE referral_id = ANY($1::text[])", emitted=""), ids)

    async def derive_all(self, conn: asyncpg.Connection) -> None:
        """A rebuild's deferred derivation, in one pass over the whole generation (it holds only replayed
        facts): status and milestones, and conversions marked as announced (a rebuild announces nothing)."""
        self.deferred.clear()
        await conn.execute(_DERIVE.format(steps="", emitted=", converted_emitted = r.converted_emitted"
                                          " OR (s.status = 'won' AND r.given_on IS NOT NULL)"))

    async def _conversions(self, conn: asyncpg.Connection, ids: list[str]) -> None:
        rows = await conn.fetch(
            """UPDATE referrals SET converted_emitted = true
               WHERE referral_id = ANY($1::text[]) AND status = 'won' AND given_on IS NOT NULL
                 AND NOT converted_emitted
               RETURNING chapter_id, referral_id, giver_id, receiver_id, referral_type, temperature, given_on,
                         won_on, contacted_on""", ids)
        if not self.emit or not rows:
            return
        events = [(r["chapter_id"], f"referral-{r['referral_id']}", ReferralConverted(
            chapter_id=r["chapter_id"], referral_id=r["referral_id"], giver_id=r["giver_id"],
            receiver_id=r["receiver_id"], referral_type=r["referral_type"], temperature=r["temperature"],
            given_on=r["given_on"], won_on=r["won_on"], days_to_close=(r["won_on"] - r["given_on"]).days,
            days_to_first_contact=(r["contacted_on"] - r["given_on"]).days if r["contacted_on"] else None))
            for r in rows]
        await emit_events(conn, events, key=lambda e: e.referral_id)

    async def _closed_business_reported(self, conn: asyncpg.Connection, facts: list[Fact], members: set[str],
                                        referrals: set[str], pairs: set[tuple[str, str, str]]) -> None:
        rows = _latest(((f.data["closed_business_id"], f.data["chapter_id"], f.data["reported_by"],
                         f.data["thanked_member_id"], Decimal(str(f.data["amount"])), f.data["currency"],
                         f.data["business_kind"], f.data["referral_type"], f.data.get("referral_id"),
                         _d(f.data["occurred_on"]), _t(f.time), f.sequence) for f in facts), key=lambda r: r[0])
        await upsert(conn,
            """INSERT INTO closed_business (closed_business_id, chapter_id, reported_by, thanked_member_id, amount,
                                            currency, business_kind, referral_type, referral_id, occurred_on,
                                            recorded_at)
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::text[],
                                    $7::text[], $8::text[], $9::text[], $10::date[], $11::timestamptz[])
               ON CONFLICT (closed_business_id) DO UPDATE SET reported_by = excluded.reported_by,
                   thanked_member_id = excluded.thanked_member_id, amount = excluded.amount,
                   currency = excluded.currency, business_kind = excluded.business_kind,
                   referral_type = excluded.referral_type, referral_id = excluded.referral_id,
                   occurred_on = excluded.occurred_on, recorded_at = excluded.recorded_at""", [r[:11] for r in rows])

    async def _closed_business_confirmed(self, conn: asyncpg.Connection, facts: list[Fact], *_: Any) -> None:
        await self._cb_mark(conn, facts, "confirmed_on")

    async def _closed_business_disputed(self, conn: asyncpg.Connection, facts: list[Fact], *_: Any) -> None:
        await self._cb_mark(conn, facts, "disputed_on")

    async def _cb_mark(self, conn: asyncpg.Connection, facts: list[Fact], column: str) -> None:
        rows = _latest(((f.data["closed_business_id"], f.data["chapter_id"], _d(f.data["occurred_on"]), f.sequence)
                        for f in facts), key=lambda r: r[0])
        await upsert(conn,
            f"""INSERT INTO closed_business (closed_business_id, chapter_id, {column})
                SELECT * FROM unnest($1::text[], $2::text[], $3::date[])
                ON CONFLICT (closed_business_id) DO UPDATE SET {column} = excluded.{column}""", [r[:3] for r in rows])

    # --- meetings -----------------------------------------------------------------------------------

    async def _attendance_recorded(self, conn: asyncpg.Connection, facts: list[Fact], members: set[str],
                                   *_: Any) -> None:
        rows = _latest(((f.data["member_id"], _d(f.data["meeting_date"]), f.data["chapter_id"], f.data["mark"],
                         f.sequence, _t(f.time)) for f in facts), key=lambda r: (r[0], r[1]), seq_index=4)
        members.update(r[0] for r in rows)
        await upsert(conn,
            """INSERT INTO attendance (member_id, meeting_date, chapter_id, mark, seq, recorded_at)
               SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::bigint[],
                   $6::timestamptz[])
               ON CONFLICT (member_id, meeting_date) DO UPDATE SET mark = excluded.mark, seq = excluded.seq,
                   recorded_at = excluded.recorded_at
               WHERE attendance.seq < excluded.seq""", rows)

    async def _one_to_one_recorded(self, conn: asyncpg.Connection, facts: list[Fact], members: set[str],
                                   *_: Any) -> None:
        rows = []
        for f in facts:
            a, b = sorted(f.data["member_ids"])
            rows.append((f.data["one_to_one_id"], f.data["chapter_id"], a, b, f.data["mode"],
                         _d(f.data["occurred_on"]), _t(f.time), f.sequence))
            members.update((a, b))
        rows = _latest(rows, key=lambda r: r[0])
        await upsert(conn,
            """INSERT INTO one_to_ones (one_to_one_id, chapter_id, member_a, member_b, mode, occurred_on, recorded_at)
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[],
                   $7::timestamptz[]) ON CONFLICT (one_to_one_id) DO NOTHING""", [r[:7] for r in rows])

    async def _ceu_recorded(self, conn: asyncpg.Connection, facts: list[Fact], members: set[str], *_: Any) -> None:
        rows = _latest(((f.data["ceu_id"], f.data["chapter_id"], f.data["member_id"], int(f.data.get("credits", 1)),
                         _d(f.data["occurred_on"]), _t(f.time), f.sequence) for f in facts), key=lambda r: r[0])
        members.update(r[2] for r in rows)
        await upsert(conn,
            """INSERT INTO ceus (ceu_id, chapter_id, member_id, credits, occurred_on, recorded_at)
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::date[], $6::timestamptz[])
               ON CONFLICT (ceu_id) DO NOTHING""", [r[:6] for r in rows])

    async def _visitor(self, conn: asyncpg.Connection, facts: list[Fact], members: set[str], column: str) -> None:
        rows = _latest(((f.data["visitor_id"], f.data["chapter_id"], f.data["invited_by"],
                         f.data.get("visitor_name"), _d(f.data["occurred_on"]), f.data.get("member_id"), _t(f.time),
                         f.sequence) for f in facts), key=lambda r: r[0])
        members.update(r[2] for r in rows)
        name_sql = "coalesce(excluded.visitor_name, visitors.visitor_name)"
        recorded = column.removesuffix("_on") + "_recorded_at"
        # the step's recorded time goes with its (earliest) day; on a tie, the earliest recorded time
        await upsert(conn,
            f"""INSERT INTO visitors (visitor_id, chapter_id, invited_by, visitor_name, {column}, member_id,
                                      {recorded})
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::text[],
                                     $7::timestamptz[])
                ON CONFLICT (visitor_id) DO UPDATE SET visitor_name = {name_sql},
                    {column} = least(visitors.{column}, excluded.{column}),
                    {recorded} = CASE
                        WHEN visitors.{column} IS NULL OR excluded.{column} < visitors.{column}
                            THEN excluded.{recorded}
                        WHEN excluded.{column} = visitors.{column} THEN least(visitors.{recorded}, excluded.{recorded})
                        ELSE visitors.{recorded} END,
                    member_id = coalesce(excluded.member_id, visitors.member_id)""", [r[:7] for r in rows])

    async def _visitor_invited(self, conn: asyncpg.Connection, facts: list[Fact], members: set[str],
                               *_: Any) -> None:
        await self._visitor(conn, facts, members, "invited_on")

    async def _visitor_attended(self, conn: asyncpg.Connection, facts: list[Fact], members: set[str],
                                *_: Any) -> None:
        await self._visitor(conn, facts, members, "attended_on")

    async def _visitor_applied(self, conn: asyncpg.Connection, facts: list[Fact], members: set[str],
                               *_: Any) -> None:
        await self._visitor(conn, facts, members, "applied_on")

    async def _visitor_became_member(self, conn: asyncpg.Connection, facts: list[Fact], members: set[str],
                                     *_: Any) -> None:
        await self._visitor(conn, facts, members, "became_member_on")

    # --- derived state ------------------------------------------------------------------------------

    async def update_lights(self, conn: asyncpg.Connection, member_ids: list[str] | None, emit: bool) -> None:
        """Recompute the rolling-six-months traffic light of these members (None = all) as of today."""
        start, end = default_window(self.today())
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
                result = scored[activity] = score(activity, self.scheme)
            rows.append((member_id, chapter_id, result.colour, result.score, end))
            before = previous.get(member_id)
            if emit and before is not None and before != result.colour:
                events.append((chapter_id, f"member-{member_id}", TrafficLightChanged(
                    chapter_id=chapter_id, member_id=member_id, from_colour=before, to_colour=result.colour,
                    score=result.score, points=result.points, window_from=start, as_of=end)))
        await upsert(conn,
            """INSERT INTO lights SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::date[])
               ON CONFLICT (member_id) DO UPDATE SET colour = excluded.colour, score = excluded.score,
                   as_of = excluded.as_of""", rows)
        if events:
            await emit_events(conn, events, key=lambda e: f"{e.member_id}|{e.as_of}|{e.from_colour}|{e.to_colour}")

    async def update_pairs(self, conn: asyncpg.Connection, pairs: list[tuple[str, str, str]] | None,
                           emit: bool) -> None:
        """Flag ordered pairs where one side gave ≥ threshold referrals in six months and got none back."""
        start, end = default_window(self.today())
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
                      (SELECT count(*) FROM referrals r WHERE r.giver_id = p.a AND r.receiver_id = p.b
                         AND r.given_on BETWEEN $4 AND $5) AS given,
                      (SELECT count(*) FROM referrals r WHERE r.giver_id = p.b AND r.receiver_id = p.a
                         AND r.given_on BETWEEN $4 AND $5) AS received,
                      (SELECT one_sided FROM pair_states s WHERE s.giver_id = p.a AND s.receiver_id = p.b) AS was
               FROM p""", chapters, givers, receivers, start, end)
        states, events = [], []
        for r in rows:
            one_sided = r["given"] >= ONE_SIDED_THRESHOLD and r["received"] == 0
            states.append((r["a"], r["b"], r["chapter_id"], one_sided))
            if emit and one_sided and not r["was"]:
                events.append((r["chapter_id"], f"pair-{r['a']}-{r['b']}", PairBecameOneSided(
                    chapter_id=r["chapter_id"], giver_id=r["a"], receiver_id=r["b"], given=r["given"],
                    received=r["received"], window_from=start, as_of=end)))
        await upsert(conn,
            """INSERT INTO pair_states SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[])
               ON CONFLICT (giver_id, receiver_id) DO UPDATE SET one_sided = excluded.one_sided""", states)
        if events:
            await emit_events(conn, events, key=lambda e: f"{e.giver_id}|{e.receiver_id}|{e.as_of}")

    async def _progress(self, conn: asyncpg.Connection, facts: Sequence[Fact]) -> None:
        if not facts:
            return
        last: dict[str, Fact] = {}  # per chapter, the first fact with the highest sequence
        counts: dict[str, int] = {}
        for f in facts:
            chapter = f.chapter_id
            counts[chapter] = counts.get(chapter, 0) + 1
            best = last.get(chapter)
            if best is None or f.sequence > best.sequence:
                last[chapter] = f
        overall = max(last.values(), key=lambda f: f.sequence)  # '' is the all-chapters row
        rows = [(c, f.sequence, datetime.fromisoformat(f.time) if f.time else None, counts[c])
                for c, f in last.items() if c != ""]
        rows.append(("", overall.sequence, datetime.fromisoformat(overall.time) if overall.time else None,
                     len(facts)))
        await upsert(conn, "INSERT INTO applied_sequences SELECT * FROM unnest($1::bigint[])"
                           " ON CONFLICT DO NOTHING", [(f.sequence,) for f in facts])
        await upsert(conn,
            """INSERT INTO progress SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::bigint[])
               ON CONFLICT (chapter_id) DO UPDATE SET events = progress.events + excluded.events,
                   last_time = CASE WHEN excluded.last_sequence > progress.last_sequence THEN excluded.last_time
                                    ELSE progress.last_time END,
                   last_sequence = greatest(progress.last_sequence, excluded.last_sequence)""", rows)


async def member_activity(conn: asyncpg.Connection, member_ids: list[str] | None, start: date, end: date,
                          chapter_id: str | None = None) -> dict[str, tuple[str, Activity]]:
    """Per member: the counts the traffic light scores, over [start, end] (from the day they joined)."""
    rows = await conn.fetch(
        """SELECT m.member_id, m.chapter_id, greatest($2::date, coalesce(m.joined_on, $2::date)) AS since,
              (SELECT count(*) FROM attendance a WHERE a.member_id = m.member_id AND a.mark = 'A'
                 AND a.meeting_date BETWEEN $2 AND $3) AS absences,
              (SELECT count(*) FROM attendance a WHERE a.member_id = m.member_id
                 AND a.meeting_date BETWEEN $2 AND $3) AS meetings,
              (SELECT count(*) FROM referrals r WHERE r.giver_id = m.member_id AND r.given_on BETWEEN $2 AND $3)
                 AS referrals_given,
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


async def emit_events(conn: asyncpg.Connection, events: list[tuple[str, str, Any]],
                      key: Callable[[Any], str]) -> None:
    """Append derived events to the service's own store, in the projection's transaction. Ids derive from
    the fact they announce, so replays (and a rebuild's catch-up) never announce the same fact twice."""
    fresh: list[NewEvent] = []
    for chapter_id, _stream, event in events:
        event_id = uuid.uuid5(_NS, f"{event.type_name()}|{chapter_id}|{key(event)}")
        fresh.append(NewEvent(type=event.type_name(), data=event.model_dump(mode="json"), chapter_id=chapter_id,
                              event_id=event_id))
    known = {r["event_id"] for r in await conn.fetch(
        "SELECT event_id FROM public.events WHERE event_id = ANY($1::uuid[])", [e.event_id for e in fresh])}
    by_stream: dict[str, list[NewEvent]] = {}
    for (_c, stream, _e), new in zip(events, fresh, strict=True):
        if new.event_id not in known:
            by_stream.setdefault(stream, []).append(new)
    store = EventStore(conn)  # only append(conn=...) is used
    for stream, news in by_stream.items():
        await store.append(stream, None, news, conn=conn)



