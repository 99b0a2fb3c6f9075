"""The unit of work on PostgreSQL: streams in the event store (each repository names its streams), read
models projected in the same transaction as each append, tokens and prospect keys in their tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Generic, TypeVar

import asyncpg

from services.members.adapters import prospect_keys
from services.members.adapters.history_cache import CHAPTER_HISTORIES, CHAPTER_STATES
from services.members.adapters.keyring import keyring_of
from services.members.adapters.projections import project
from services.members.adapters.sessions import Sessions
from services.members.domain.aggregate import Aggregate
from services.members.domain.chapter import Chapter
from services.members.domain.closed_business import ClosedBusiness
from services.members.domain.meetings import RecordedSlip, Visitor
from services.members.domain.referral import Referral
from services.members.service_layer.unit_of_work import Token, UnitOfWork
from shared.auth import Principal
from shared.clock import Clock, utc_now
from shared.contracts.access import AccessRevoked, SignInLinkRequested
from shared.contracts.asks import AskUpdated
from shared.contracts.members import AttendanceRecorded, SealedData, members_events
from shared.event_store import EventStore, NewEvent
from shared.events import DomainEvent

A = TypeVar("A", bound=Aggregate)


def chapter_of(event: DomainEvent) -> str:
    """Every event of the members service names its chapter (the Kafka key: a chapter's events stay in order)."""
    chapter_id = getattr(event, "chapter_id", None)
    assert isinstance(chapter_id, str), f"{type(event).__name__} names no chapter"
    return chapter_id


class PostgresUnitOfWork(UnitOfWork):
    chapters: Chapters
    referrals: Streams[Referral]
    closed_business: Streams[ClosedBusiness]
    visitors: Streams[Visitor]
    one_to_ones: Streams[RecordedSlip]
    ceus: Streams[RecordedSlip]

    def __init__(self, conn: asyncpg.Connection, store: EventStore, principal: Principal, clock: Clock = utc_now,
                 token_secret: str = "") -> None:
        super().__init__(principal, clock, token_secret)
        self.conn = conn
        self.store = store
        self.metadata: dict[str, Any] = {}
        """Added to every event's metadata (an import names its job and row)."""
        self.on_behalf_of: str | None = None
        """The member a slip is from when someone else keys it in (an import); else the caller."""
        self.chapters = Chapters(self)
        self.referrals = Streams(self, Referral, "referral")
        self.closed_business = Streams(self, ClosedBusiness, "closed-business")
        self.visitors = Streams(self, Visitor, "visitor")
        self.one_to_ones = Streams(self, RecordedSlip, "one-to-one")
        self.ceus = Streams(self, RecordedSlip, "ceu")
        self.attendance = Attendance(self)
        self.asks = Asks(self)
        self.access = Access(self)
        self.prospect_keys = DataKeys(conn, store.pool, "prospect_keys")
        self.visitor_keys = DataKeys(conn, store.pool, "visitor_keys")
        self.tokens = Tokens(conn)
        self.sessions = Sessions(conn)

    async def history(self, stream_id: str) -> list[DomainEvent]:
        return [members_events.decode(e.type, e.data)
                for e in await self.store.read_stream(stream_id, conn=self.conn)]

    def new_events(self, events: Sequence[DomainEvent]) -> list[NewEvent]:
        recorded_by = self.on_behalf_of or self.principal.member_id or self.principal.role
        return [NewEvent.of(e, chapter_of(e), recorded_by=recorded_by, **self.metadata) for e in events]

    async def append(self, stream_id: str, expected_version: int | None, events: Sequence[DomainEvent]) -> None:
        if not events:
            return
        news = self.new_events(events)
        recorded = await self.store.append(stream_id, expected_version, news, conn=self.conn)
        await project(self.conn, recorded, {new.event_id: event for new, event in zip(news, events, strict=True)})
        self.last_position = recorded[-1].position

    async def stream_position(self, stream_id: str) -> int:
        return int(await self.conn.fetchval(
            "SELECT coalesce(max(position), 0) FROM events WHERE stream_id = $1", stream_id))

    async def existing_streams(self, stream_ids: Sequence[str]) -> set[str]:
        return {r["stream_id"] for r in await self.conn.fetch(
            "SELECT DISTINCT stream_id FROM events WHERE stream_id = ANY($1::text[])", list(stream_ids))}


class Streams(Generic[A]):
    """Aggregates of one kind, in streams named `<kind>-<id>`."""

    def __init__(self, uow: PostgresUnitOfWork, kind: type[A], prefix: str) -> None:
        self.uow, self.kind, self.prefix = uow, kind, prefix

    def stream(self, aggregate_id: str) -> str:
        return f"{self.prefix}-{aggregate_id}"

    async def history(self, aggregate_id: str) -> Sequence[DomainEvent]:
        return await self.uow.history(self.stream(aggregate_id))

    async def get(self, aggregate_id: str) -> A:
        return self.kind.load(aggregate_id, await self.history(aggregate_id))

    async def add(self, aggregate: A, events: Sequence[DomainEvent]) -> None:
        await self.uow.append(self.stream(aggregate.aggregate_id), aggregate.version, events)
        for event in events:
            aggregate.apply(event)

    async def unchanged(self, aggregate: A) -> None:
        self.uow.last_position = await self.uow.stream_position(self.stream(aggregate.aggregate_id))


class Chapters(Streams[Chapter]):
    """Chapters are read through the in-memory history and states (every slip checks the roster)."""

    def __init__(self, uow: PostgresUnitOfWork) -> None:
        super().__init__(uow, Chapter, "chapter")

    async def history(self, aggregate_id: str) -> Sequence[DomainEvent]:
        return await CHAPTER_HISTORIES.read(self.uow.store, self.uow.conn, self.stream(aggregate_id),
                                            keep=self.uow.last_position is None)

    async def get(self, aggregate_id: str) -> Chapter:
        return CHAPTER_STATES.at(aggregate_id, await self.history(aggregate_id),
                                 keep=self.uow.last_position is None)


class Attendance:
    def __init__(self, uow: PostgresUnitOfWork) -> None:
        self.uow = uow

    async def add(self, chapter_id: str, meeting_date: date, events: Sequence[AttendanceRecorded]) -> None:
        await self.uow.append(f"meeting-{chapter_id}-{meeting_date.isoformat()}", None, events)


class Asks:
    def __init__(self, uow: PostgresUnitOfWork) -> None:
        self.uow = uow

    async def add(self, chapter_id: str, member_id: str, events: Sequence[AskUpdated]) -> None:
        await self.uow.append(f"ask-{member_id}", None, events)


class Access:
    def __init__(self, uow: PostgresUnitOfWork) -> None:
        self.uow = uow

    async def add(self, chapter_id: str, events: Sequence[AccessRevoked | SignInLinkRequested]) -> None:
        await self.uow.append(f"access-{chapter_id}", None, events)


class DataKeys:
    def __init__(self, conn: asyncpg.Connection, pool: asyncpg.Pool, table: prospect_keys.DataKeyTable) -> None:
        self.conn, self.pool, self.table = conn, pool, table

    async def seal(self, owner_id: str, data: dict[str, Any]) -> SealedData:
        """Sealed under a new data key, stored wrapped under the database's key-encryption key."""
        return await prospect_keys.seal(self.conn, keyring_of(self.pool), owner_id, data, self.table)

    async def erase(self, key_id: str) -> None:
        await prospect_keys.erase_key(self.conn, key_id, self.table)


class Tokens:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, token_id: str, chapter_id: str, member_id: str, role: str) -> None:
        await self.conn.execute("INSERT INTO tokens (token_id, chapter_id, member_id, role) VALUES ($1, $2, $3, $4)",
                                token_id, chapter_id, member_id, role)

    async def unrevoked(self, member_ids: Sequence[str]) -> list[Token]:
        rows = await self.conn.fetch("SELECT token_id, member_id FROM tokens WHERE member_id = ANY($1::text[])"
                                     " AND revoked_at IS NULL", list(member_ids))
        return [Token(r["token_id"], r["member_id"]) for r in rows]

    async def find(self, chapter_id: str, member_id: str, token_id: str) -> Token | None:
        row = await self.conn.fetchrow("SELECT revoked_at FROM tokens WHERE token_id = $1 AND member_id = $2"
                                       " AND chapter_id = $3", token_id, member_id, chapter_id)
        return None if row is None else Token(token_id, member_id, row["revoked_at"])
