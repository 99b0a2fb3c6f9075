"""The referrals projection: members' facts into per-day tables, in batches, idempotent and order-safe.

Each event kind has its handler (`HANDLERS`, by event class), which upserts fact rows keyed by the fact's
own id (see `fact_tables`), so applying an event twice, or events of different topics in any order, ends in
the same rows. Reports aggregate those rows for any window. After the facts, the derived state of what the
batch touched: referrals' milestones and conversions, members' traffic lights, pairs' balance.

The same code serves the live consumer (small batches, derived events emitted) and the rebuild (large
batches read straight from Kafka, no derived events).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

import asyncpg

from services.referrals.adapters import derived_state, next_actions_state, referral_milestones
from services.referrals.adapters.ask_tables import ask_updated
from services.referrals.adapters.bulk import upsert
from services.referrals.adapters.changes import announce
from services.referrals.adapters.duplicates import announce_duplicates
from services.referrals.adapters.fact_tables import (
    Handler,
    Touched,
    chapter_founded,
    closed_business_marked,
    closed_business_reported,
    member_joined,
    member_left,
    membership_renewed,
    referral_given,
    referral_status_changed,
    role_assigned,
)
from services.referrals.adapters.facts import EVENT_OF_KIND, Fact, fact_of
from services.referrals.adapters.meeting_tables import (
    attendance_recorded,
    ceu_recorded,
    one_to_one_recorded,
    visitor_step,
)
from services.referrals.adapters.schema import current_schema
from services.referrals.adapters.visitor_tables import visitor_invited
from services.referrals.config import WINDOW
from services.referrals.domain.integrity import IntegrityRules
from services.referrals.domain.pairs import ONE_SIDED_THRESHOLD
from services.referrals.domain.traffic_lights import TrafficLightScheme
from services.referrals.domain.windows import default_window
from shared.consumer import Delivered
from shared.contracts import members as m
from shared.events import DomainEvent

HANDLERS: dict[type[DomainEvent], Handler] = {
    m.ChapterFounded: chapter_founded,
    m.MemberJoined: member_joined,
    m.RoleAssigned: role_assigned,
    m.MemberLeft: member_left,
    m.MembershipRenewed: membership_renewed,
    m.ReferralGiven: referral_given,
    m.ReferralStatusChanged: referral_status_changed,
    m.ClosedBusinessReported: closed_business_reported,
    m.ClosedBusinessConfirmed: closed_business_marked("confirmed_on"),
    m.ClosedBusinessDisputed: closed_business_marked("disputed_on"),
    m.AttendanceRecorded: attendance_recorded,
    m.OneToOneRecorded: one_to_one_recorded,
    m.CeuRecorded: ceu_recorded,
    m.VisitorInvited: visitor_invited,  # with a self-registered visitor's meeting
    m.VisitorAttended: visitor_step("attended_on"),
    m.VisitorApplied: visitor_step("applied_on"),
    m.VisitorBecameMember: visitor_step("became_member_on"),
    m.AskUpdated: ask_updated,
}
"""What each members event changes; the others change nothing here (access revoked; prospect or visitor data
erased: this service keeps no copy of either, sealed or not)."""


class ReferralsProjection:
    """`apply` is called by the consumer runtime inside the transaction that records the events applied."""

    name = "referrals"

    def __init__(self, scheme: TrafficLightScheme | None = None, emit: bool = True,
                 today: Callable[[], date] = date.today, schema: str | None = None,
                 one_sided_threshold: int = ONE_SIDED_THRESHOLD, window: timedelta = WINDOW,
                 integrity: IntegrityRules | None = None) -> None:
        self.scheme = scheme or TrafficLightScheme()
        self.integrity = integrity or IntegrityRules()
        self.emit = emit
        self.today = today
        self.schema = schema  # fixed schema (rebuild); None = the live generation, looked up per batch
        self.one_sided_threshold = one_sided_threshold
        self.window = window
        self.deferred: set[str] = set()

    async def derive_deferred(self, conn: asyncpg.Connection) -> None:
        ids = sorted(self.deferred)
        self.deferred.clear()
        if ids:
            await referral_milestones.derive(conn, ids)
            await referral_milestones.conversions(conn, ids, self.emit)

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
        touched = Touched()
        for kind, group in by_kind.items():
            event = EVENT_OF_KIND.get(kind)
            handler = HANDLERS.get(event) if event is not None else None
            if handler is not None:
                await handler(conn, group, touched)
        referrals = sorted(touched.referrals)
        if referrals and not self.emit and self.schema is not None:
            self.deferred.update(referrals)  # a rebuild derives them once, at the end
        elif referrals:
            await referral_milestones.derive(conn, referrals)
            await referral_milestones.conversions(conn, referrals, self.emit)
        if self.emit:
            if touched.members:
                await self.update_lights(conn, sorted(touched.members), emit=True)
            if touched.pairs:
                await self.update_pairs(conn, sorted(touched.pairs), emit=True)
            if touched.closed_business:
                await announce_duplicates(conn, sorted(touched.closed_business), self.integrity)
        await _progress(conn, facts if progress_of is None else progress_of)

    async def update_lights(self, conn: asyncpg.Connection, member_ids: list[str] | None, emit: bool) -> None:
        """Recompute the rolling-six-months traffic light of these members (None = all) as of today."""
        await derived_state.update_lights(conn, member_ids, default_window(self.today(), self.window), self.scheme,
                                          emit)

    async def publish_next_actions(self, conn: asyncpg.Connection) -> int:
        """Every member's next best actions as of today; the lists that changed are published."""
        start, end = default_window(self.today(), self.window)
        return await next_actions_state.publish_changed(conn, start, end, self.scheme)

    async def update_pairs(self, conn: asyncpg.Connection, pairs: list[tuple[str, str, str]] | None,
                           emit: bool) -> None:
        """Flag ordered pairs where one side gave ≥ threshold referrals in six months and got none back."""
        await derived_state.update_pairs(conn, pairs, default_window(self.today(), self.window),
                                         self.one_sided_threshold, emit)


async def _progress(conn: asyncpg.Connection, facts: Sequence[Fact]) -> None:
    """Which members-store positions are applied, and per chapter ('' = all) how far and how many; and
    a notification naming those chapters (see `changes`)."""
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
            for c, f in sorted(last.items()) if c != ""]  # one lock order: consumers never deadlock
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
    await announce(conn, [r[0] for r in rows])  # the dashboards' streams and read-your-writes waits, at commit
