"""The append-only event store on PostgreSQL (asyncpg).

Appends take a transaction-scoped advisory lock before they draw positions. That serialises writers
for the instant between drawing a position and committing, so positions become visible in commit
order: the outbox relay can read "everything after position N" and never skip an event whose
transaction was still open when a later-numbered one committed (the sequence-gap problem).
The lock is one for the whole store and held until COMMIT (fsync included): whatever a writer does
between its append and its commit holds up every other writer, so the append is one round trip
(lock, versions, INSERT: sql/005_append_in_one_call.sql) and writers do what needs no position first.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
from pydantic_core import from_json, to_json

from shared.events import DomainEvent, split_type
from shared.logs import correlation_id
from shared.metrics import events_appended

APPEND_LOCK = 7_345_002
NOTIFY_CHANNEL = "refnet_events"  # notified by a trigger on events (sql/003_notify_trigger.sql)


class ConcurrencyError(Exception):
    """The stream moved on since the caller read it (HTTP 409 at the edge)."""

    def __init__(self, stream_id: str, expected: int | None, actual: int) -> None:
        super().__init__(f"stream {stream_id} is at version {actual}, expected {expected}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class NewEvent:
    """An event about to be appended."""

    type: str
    data: dict[str, Any]
    chapter_id: str
    metadata: dict[str, Any] = field(default_factory=dict)
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @classmethod
    def of(cls, event: DomainEvent, chapter_id: str, **metadata: Any) -> NewEvent:
        # the request's or consumed event's correlation id (shared.logs), unless the caller names one
        metadata = {"correlation_id": correlation_id.get(), **metadata}
        return cls(type=event.type_name(), data=event.model_dump(mode="json"), chapter_id=chapter_id,
                   metadata={k: v for k, v in metadata.items() if v is not None})


@dataclass(frozen=True)
class RecordedEvent:
    position: int
    event_id: uuid.UUID
    stream_id: str
    stream_version: int
    chapter_id: str
    type: str
    schema_version: int
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: datetime


@dataclass(frozen=True)
class Append:
    """One stream's share of an atomic multi-stream append."""

    stream_id: str
    expected_version: int | None
    """Version the caller last saw (0 = the stream must not exist yet; None = don't check)."""
    events: Sequence[NewEvent]


_COLUMNS = ("position, event_id, stream_id, stream_version, chapter_id, type, schema_version, data, "
            "metadata, recorded_at")


def _recorded(row: asyncpg.Record) -> RecordedEvent:
    return RecordedEvent(
        position=row["position"], event_id=row["event_id"], stream_id=row["stream_id"],
        stream_version=row["stream_version"], chapter_id=row["chapter_id"], type=row["type"],
        schema_version=row["schema_version"], data=from_json(row["data"]),
        metadata=from_json(row["metadata"]), recorded_at=row["recorded_at"],
    )


class EventStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def append(self, stream_id: str, expected_version: int | None, events: Sequence[NewEvent],
                     conn: asyncpg.Connection | None = None) -> list[RecordedEvent]:
        return await self.append_all([Append(stream_id, expected_version, events)], conn=conn)

    async def append_all(self, appends: Sequence[Append], conn: asyncpg.Connection | None = None,
                         recorded_at: datetime | None = None) -> list[RecordedEvent]:
        """Append to one or more streams atomically. With `conn`, joins the caller's transaction
        (so a service can write its projections and idempotency records in the same commit).
        `recorded_at`: the events' time, when the caller took it before the append (a commit group, whose
        read models are written before it queues for the append lock); else the moment of the INSERT."""
        if conn is None:
            async with self.pool.acquire() as own, own.transaction():
                return await self._append(own, appends, recorded_at)
        if conn.is_in_transaction():
            # the caller's transaction makes it atomic; a savepoint would cost two round trips while the
            # append lock is held
            return await self._append(conn, appends, recorded_at)
        async with conn.transaction():
            return await self._append(conn, appends, recorded_at)

    async def _append(self, conn: asyncpg.Connection, appends: Sequence[Append],
                      recorded_at: datetime | None) -> list[RecordedEvent]:
        shares: dict[str, list[Any]] = {k: [] for k in ("stream", "expected", "earlier")}
        cols: dict[str, list[Any]] = {k: [] for k in ("id", "stream", "offset", "chapter", "type", "schema",
                                                      "data", "meta")}
        pending: list[NewEvent] = []
        added: dict[str, int] = {}  # events this call adds to each stream so far
        for append in appends:
            earlier = added.get(append.stream_id, 0)
            shares["stream"].append(append.stream_id)
            shares["expected"].append(append.expected_version)
            shares["earlier"].append(earlier)
            for offset, event in enumerate(append.events, start=earlier + 1):
                cols["id"].append(event.event_id)
                cols["stream"].append(append.stream_id)
                cols["offset"].append(offset)
                cols["chapter"].append(event.chapter_id)
                cols["type"].append(event.type)
                cols["schema"].append(split_type(event.type)[1])
                # pydantic-core's encoder: a tenth of the time of json.dumps, every event, every service
                cols["data"].append(to_json(event.data, fallback=str).decode())
                cols["meta"].append(to_json(event.metadata, fallback=str).decode())
                pending.append(event)
            added[append.stream_id] = earlier + len(append.events)
        try:
            # the lock, the versions it protects and the INSERT in one round trip (sql/005_append_in_one_call.sql);
            # only what the database decides (position, version, time) comes back
            rows = await conn.fetch(
                "SELECT * FROM refnet_append($1, $2::text[], $3::int[], $4::int[], $5::uuid[], $6::text[], $7::int[],"
                " $8::text[], $9::text[], $10::int[], $11::jsonb[], $12::jsonb[], $13)",
                APPEND_LOCK, shares["stream"], shares["expected"], shares["earlier"], cols["id"], cols["stream"],
                cols["offset"], cols["chapter"], cols["type"], cols["schema"], cols["data"], cols["meta"],
                recorded_at)
        except asyncpg.UniqueViolationError as exc:  # belt and braces behind the lock
            raise ConcurrencyError(appends[0].stream_id, appends[0].expected_version, -1) from exc
        if rows and rows[0]["moved_stream"] is not None:  # nothing was inserted
            moved = rows[0]
            raise ConcurrencyError(moved["moved_stream"], moved["moved_expected"], moved["moved_actual"])
        if not pending:
            return []
        events_appended(cols["type"])
        assigned = {row["event_id"]: row for row in rows}
        recorded = [
            RecordedEvent(position=assigned[event.event_id]["position"], event_id=event.event_id,
                          stream_id=stream, stream_version=assigned[event.event_id]["stream_version"],
                          chapter_id=event.chapter_id, type=event.type, schema_version=schema, data=event.data,
                          metadata=event.metadata, recorded_at=assigned[event.event_id]["recorded_at"])
            for event, stream, schema in zip(pending, cols["stream"], cols["schema"], strict=True)
        ]
        return sorted(recorded, key=lambda e: e.position)

    async def read_stream(self, stream_id: str, conn: asyncpg.Connection | None = None,
                          after_version: int = 0) -> list[RecordedEvent]:
        """The stream's events in version order (those after `after_version`, for a reader that has the rest)."""
        query = (f"SELECT {_COLUMNS} FROM events WHERE stream_id = $1 AND stream_version > $2"
                 " ORDER BY stream_version")
        if conn is not None:
            return [_recorded(r) for r in await conn.fetch(query, stream_id, after_version)]
        async with self.pool.acquire() as own:
            return [_recorded(r) for r in await own.fetch(query, stream_id, after_version)]

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                f"SELECT {_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2", after, limit)
        return [_recorded(r) for r in rows]

    async def last_position(self) -> int:
        async with self.pool.acquire() as conn:
            return int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))
