"""Derived events into the service's own event store (published by its outbox relay), exactly once per fact."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import TypeVar

import asyncpg

from shared.event_store import EventStore, NewEvent
from shared.events import DomainEvent

_NS = uuid.UUID("5b0c55e2-6a59-4c1e-9a43-7f0d1b9e0a11")
E = TypeVar("E", bound=DomainEvent)


async def emit_events(conn: asyncpg.Connection, events: Sequence[tuple[str, str, E]], key: Callable[[E], str]) -> None:
    """Append derived events (chapter, stream, event) to the service's own store, in the projection's
    transaction. Ids derive from the fact they announce (`key`), so replays (and a rebuild's catch-up) never
    announce the same fact twice."""
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
