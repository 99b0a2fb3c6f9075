"""In-memory copies of the busiest stream (the chapter: every slip checks the roster), kept so a request
does not read and replay the whole roster. Both are optimisations only: what a request decides is what
a full read of the event store would have decided."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import asyncpg

from services.members.domain.chapter import Chapter
from shared.contracts.members import members_events
from shared.event_store import EventStore
from shared.events import DomainEvent


class HistoryCache:
    """Decoded events of the busiest streams, kept in memory.

    Events never change once appended, so a cached prefix stays true; each read fetches only the events
    after it, inside the caller's transaction, and the result is exactly what a full read would give."""

    def __init__(self, capacity: int = 2000) -> None:
        self.capacity = capacity
        self._streams: OrderedDict[str, tuple[DomainEvent, ...]] = OrderedDict()

    async def read(self, store: EventStore, conn: asyncpg.Connection, stream_id: str,
                   keep: bool) -> tuple[DomainEvent, ...]:
        """`keep` is False once the caller's transaction has appended: what it reads may yet roll back."""
        known = self._streams.get(stream_id, ())
        newer = await store.read_stream(stream_id, conn=conn, after_version=len(known))
        history = known + tuple(members_events.decode(e.type, e.data) for e in newer)
        if not keep:
            return history
        self._streams[stream_id] = history
        self._streams.move_to_end(stream_id)
        while len(self._streams) > self.capacity:
            self._streams.popitem(last=False)
        return history


class ChapterStates:
    """The chapter as of its latest version: a copy is handed out (use cases apply events to it), and
    newer events are applied to a copy of the kept one. Only states of committed history are kept
    (`keep`), as in `HistoryCache`."""

    def __init__(self, capacity: int = 2000) -> None:
        self.capacity = capacity
        self._states: OrderedDict[str, Chapter] = OrderedDict()

    def at(self, chapter_id: str, history: Sequence[DomainEvent], keep: bool) -> Chapter:
        kept = self._states.get(chapter_id)
        if kept is None or kept.version > len(history):
            chapter = Chapter.load(chapter_id, history)
        else:
            chapter = kept.copy()
            for event in history[kept.version:]:
                chapter.apply(event)
        if keep:
            self._states[chapter_id] = chapter.copy()
            self._states.move_to_end(chapter_id)
            while len(self._states) > self.capacity:
                self._states.popitem(last=False)
        return chapter


CHAPTER_HISTORIES = HistoryCache()
CHAPTER_STATES = ChapterStates()
