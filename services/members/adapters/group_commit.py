"""Units of work that share one transaction (group commit): each request of a group is decided on its own,
against what the database holds plus what the group's earlier requests decided, but nothing is written
while it decides. Its writes (events, data keys) are kept, and `flush` writes the accepted requests' all at
once: one append of every event, read models and data keys as pipelined statements, one commit for them all.

Because nothing is written before `flush`, every read a request makes sees committed data only (so the
chapter caches may keep what they read), and a request whose decision fails leaves nothing behind: its
kept writes are dropped with it.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from typing import Any, cast

import asyncpg

from services.members.adapters.history_cache import CHAPTER_HISTORIES, CHAPTER_STATES
from services.members.adapters.postgres import Chapters, DataKeys, PostgresUnitOfWork
from services.members.adapters.projections import project
from services.members.domain.chapter import Chapter
from shared.auth import Principal
from shared.clock import Clock, utc_now
from shared.event_store import Append, EventStore, RecordedEvent
from shared.events import DomainEvent

Statement = tuple[str, tuple[Any, ...]]


class KeptStatements:
    """Looks like a connection to code that only `execute`s (data keys, read-model projections): the
    statements are kept, in order, to be run later together (`run_statements`)."""

    def __init__(self) -> None:
        self.statements: list[Statement] = []

    async def execute(self, sql: str, *args: Any) -> str:
        self.statements.append((sql, args))
        return ""

    def as_connection(self) -> asyncpg.Connection:
        return cast(asyncpg.Connection, self)


async def run_statements(conn: asyncpg.Connection, statements: Sequence[Statement]) -> None:
    """In order; consecutive runs of one statement (a group's read-model rows, its data keys) go as one
    `executemany`: one pipelined round trip instead of one per row."""
    for sql, run in itertools.groupby(statements, key=lambda s: s[0]):
        rows = [args for _, args in run]
        if len(rows) == 1:
            await conn.execute(sql, *rows[0])
        else:
            await conn.executemany(sql, rows)


class Group:
    """What the requests of one group share: the connection (in its transaction), the chapters read once
    for the whole group, and the events its accepted requests decided so far, by stream."""

    def __init__(self, conn: asyncpg.Connection, store: EventStore) -> None:
        self.conn, self.store = conn, store
        self.pending: dict[str, list[DomainEvent]] = {}
        self.chapter_histories: dict[str, tuple[DomainEvent, ...]] = {}
        self.accepted: list[GroupedUnitOfWork] = []

    def accept(self, uow: GroupedUnitOfWork) -> None:
        """The request's decision stands: later requests of the group decide on top of its events."""
        self.accepted.append(uow)
        for append in uow.appends:
            self.pending.setdefault(append.stream_id, []).extend(uow.decided[e.event_id] for e in append.events)

    async def flush(self) -> None:
        """Write what the accepted requests decided (in the caller's transaction) and tell each its position.
        A stream another writer moved on meanwhile raises `ConcurrencyError` (nothing of the group stands)."""
        kept = [s for uow in self.accepted for s in uow.kept.statements]
        await run_statements(self.conn, kept)  # data keys first, as a request on its own writes them
        appends = [a for uow in self.accepted for a in uow.appends]
        recorded = await self.store.append_all(appends, conn=self.conn) if appends else []
        decided = {k: v for uow in self.accepted for k, v in uow.decided.items()}
        projected = KeptStatements()
        await project(projected.as_connection(), recorded, decided)
        await run_statements(self.conn, projected.statements)
        by_event = {r.event_id: r for r in recorded}
        last_in_stream: dict[str, int] = {}
        for r in recorded:
            last_in_stream[r.stream_id] = max(last_in_stream.get(r.stream_id, 0), r.position)
        for uow in self.accepted:
            uow.settle(by_event, last_in_stream)


class GroupedUnitOfWork(PostgresUnitOfWork):
    """One request's unit of work inside a group: reads go to the group's connection (plus the group's
    pending events), writes are kept until the group flushes."""

    def __init__(self, group: Group, principal: Principal, clock: Clock = utc_now, token_secret: str = "") -> None:
        super().__init__(group.conn, group.store, principal, clock, token_secret)
        self.group = group
        self.kept = KeptStatements()
        self.appends: list[Append] = []
        self.decided: dict[uuid.UUID, DomainEvent] = {}
        self.position_of: list[str] = []
        """Streams whose latest position answers an unchanged request (`unchanged`)."""
        self.chapters = GroupChapters(self)
        self.prospect_keys = DataKeys(self.kept.as_connection(), group.store.pool, "prospect_keys")
        self.visitor_keys = DataKeys(self.kept.as_connection(), group.store.pool, "visitor_keys")

    def pending(self, stream_id: str) -> list[DomainEvent]:
        """Events decided for this stream, not yet written: the group's earlier requests', then this one's."""
        mine = [self.decided[e.event_id] for a in self.appends if a.stream_id == stream_id for e in a.events]
        return self.group.pending.get(stream_id, []) + mine

    async def history(self, stream_id: str) -> list[DomainEvent]:
        return await super().history(stream_id) + self.pending(stream_id)

    async def append(self, stream_id: str, expected_version: int | None, events: Sequence[DomainEvent]) -> None:
        if not events:
            return
        news = self.new_events(events)
        self.appends.append(Append(stream_id, expected_version, news))
        self.decided.update((new.event_id, event) for new, event in zip(news, events, strict=True))

    async def stream_position(self, stream_id: str) -> int:
        self.position_of.append(stream_id)
        return await super().stream_position(stream_id)

    async def existing_streams(self, stream_ids: Sequence[str]) -> set[str]:
        return await super().existing_streams(stream_ids) | {s for s in stream_ids if self.pending(s)}

    def settle(self, by_event: dict[uuid.UUID, RecordedEvent], last_in_stream: dict[str, int]) -> None:
        """After the flush: the position of this request's last event (or of the streams it left unchanged,
        which the group may have moved)."""
        positions = [by_event[e.event_id].position for a in self.appends for e in a.events]
        positions += [last_in_stream[s] for s in self.position_of if s in last_in_stream]
        if positions:
            self.last_position = max([*positions, self.last_position or 0])


class GroupChapters(Chapters):
    """The chapter's committed history is read once per group (every slip of a meeting's burst names the
    same chapter); the group's pending chapter events, if any, are added for each request."""

    uow: GroupedUnitOfWork

    async def history(self, aggregate_id: str) -> tuple[DomainEvent, ...]:
        stream = self.stream(aggregate_id)
        group = self.uow.group
        if stream not in group.chapter_histories:
            # committed data only (the group writes nothing before its flush): the cache may keep it
            group.chapter_histories[stream] = await CHAPTER_HISTORIES.read(self.uow.store, self.uow.conn, stream,
                                                                           keep=True)
        return group.chapter_histories[stream] + tuple(self.uow.pending(stream))

    async def get(self, aggregate_id: str) -> Chapter:
        history = await self.history(aggregate_id)
        return CHAPTER_STATES.at(aggregate_id, history, keep=not self.uow.pending(self.stream(aggregate_id)))
