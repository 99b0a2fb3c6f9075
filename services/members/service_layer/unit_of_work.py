"""One use case = one transaction: load streams, decide, append with the expected version, update the
read models and store the Idempotency-Key response, all in one commit (or none of it)."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from services.members.adapters.projections import project
from services.members.domain.chapter import LEADERSHIP, Chapter
from services.members.domain.errors import Conflict, Forbidden, NotFound
from shared.auth import Principal
from shared.contracts.members import members_events
from shared.event_store import ConcurrencyError, EventStore, NewEvent
from shared.events import DomainEvent

Clock = Callable[[], datetime]
Body = dict[str, Any]


def utc_now() -> datetime:
    return datetime.now(UTC)


def chapter_stream(chapter_id: str) -> str:
    return f"chapter-{chapter_id}"


@dataclass
class UnitOfWork:
    conn: asyncpg.Connection
    store: EventStore
    principal: Principal
    clock: Clock = utc_now
    token_secret: str = ""
    last_position: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    async def history(self, stream_id: str) -> list[DomainEvent]:
        return [members_events.decode(e.type, e.data)
                for e in await self.store.read_stream(stream_id, conn=self.conn)]

    async def chapter(self, chapter_id: str) -> Chapter:
        """The chapter as the caller may see it: another chapter's (or no) chapter is not found."""
        if not self.principal.belongs_to(chapter_id):
            raise NotFound(f"no chapter {chapter_id}")
        history = await CHAPTER_HISTORIES.read(self, chapter_stream(chapter_id))
        chapter = CHAPTER_STATES.at(chapter_id, history, keep=self.last_position is None)
        if not chapter.exists:
            raise NotFound(f"no chapter {chapter_id}")
        return chapter

    def today(self, chapter: Chapter) -> date:
        assert chapter.founded is not None
        return self.clock().astimezone(ZoneInfo(chapter.founded.timezone)).date()

    def require_leader(self, chapter: Chapter) -> None:
        """Leaders of this chapter (their role as the roster has it now) or the admin."""
        if self.principal.is_admin:
            return
        member = chapter.members.get(self.principal.member_id or "")
        if member is None or not member.active or member.role not in LEADERSHIP:
            raise Forbidden("only the chapter's leaders (president, vice-president, secretary) may do this")

    def require_member(self, chapter: Chapter) -> str:
        """The calling member's id: slips are recorded only by members, as themselves."""
        member_id = self.principal.member_id
        if member_id is None or member_id not in chapter.members:
            raise Forbidden("slips are recorded by members of the chapter, as themselves")
        return member_id

    async def record(self, stream_id: str, expected_version: int | None, events: Sequence[DomainEvent],
                     chapter_id: str) -> None:
        if not events:
            return
        news = [NewEvent.of(e, chapter_id, recorded_by=self.principal.member_id or self.principal.role,
                            **self.metadata) for e in events]
        recorded = await self.store.append(stream_id, expected_version, news, conn=self.conn)
        await project(self.conn, recorded, {new.event_id: event for new, event in zip(news, events, strict=True)})
        self.last_position = recorded[-1].position

    async def stream_position(self, stream_id: str) -> int:
        return int(await self.conn.fetchval(
            "SELECT coalesce(max(position), 0) FROM events WHERE stream_id = $1", stream_id))


class HistoryCache:
    """Decoded events of the busiest streams (the chapters: every slip checks the roster), kept in memory.

    Events never change once appended, so a cached prefix stays true; each read fetches only the events
    after it, inside the caller's transaction, and the result is exactly what a full read would give."""

    def __init__(self, capacity: int = 2000) -> None:
        self.capacity = capacity
        self._streams: OrderedDict[str, tuple[DomainEvent, ...]] = OrderedDict()

    async def read(self, uow: UnitOfWork, stream_id: str) -> tuple[DomainEvent, ...]:
        known = self._streams.get(stream_id, ())
        newer = await uow.store.read_stream(stream_id, conn=uow.conn, after_version=len(known))
        history = known + tuple(members_events.decode(e.type, e.data) for e in newer)
        if uow.last_position is not None:
            return history  # this transaction has appended: what it reads may yet roll back, so keep none of it
        self._streams[stream_id] = history
        self._streams.move_to_end(stream_id)
        while len(self._streams) > self.capacity:
            self._streams.popitem(last=False)
        return history


CHAPTER_HISTORIES = HistoryCache()


class ChapterStates:
    """The chapter as of its latest version, kept so a request does not replay the whole roster: a copy is
    handed out (use cases apply events to it), and newer events are applied to a copy of the kept one.
    Only states of committed history are kept (`keep`), as in `HistoryCache`."""

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


CHAPTER_STATES = ChapterStates()


@dataclass(frozen=True)
class IdempotencyKey:
    key: str
    principal: str
    route: str


Work = Callable[[UnitOfWork], Awaitable[Body]]


async def _stored(conn: asyncpg.Connection | asyncpg.Pool, idem: IdempotencyKey) -> Body | None:
    raw = await conn.fetchval("SELECT body FROM idempotency_keys WHERE key = $1 AND principal = $2 AND route = $3",
                              idem.key, idem.principal, idem.route)
    return None if raw is None else dict(json.loads(raw))


async def execute(pool: asyncpg.Pool, principal: Principal, work: Work, *, idempotency: IdempotencyKey | None,
                  clock: Clock = utc_now, token_secret: str = "", status_code: int = 201,
                  attempts: int = 5) -> Body:
    """Run `work` in one transaction; retry it on a concurrent append (it decides again on fresh state,
    so a conflicting change gets the domain's 409); a repeated Idempotency-Key returns the first body."""
    store = EventStore(pool)
    for attempt in range(attempts):
        async with pool.acquire() as conn:
            if idempotency is not None and (first := await _stored(conn, idempotency)) is not None:
                return first
            uow = UnitOfWork(conn, store, principal, clock, token_secret)
            try:
                async with conn.transaction():
                    body = await work(uow)
                    body["position"] = uow.last_position
                    if idempotency is not None:
                        await conn.execute(
                            "INSERT INTO idempotency_keys (key, principal, route, status_code, body)"
                            " VALUES ($1, $2, $3, $4, $5)", idempotency.key, idempotency.principal,
                            idempotency.route, status_code, json.dumps(body, default=str))
                    return dict(json.loads(json.dumps(body, default=str)))
            except ConcurrencyError:
                if attempt == attempts - 1:
                    raise Conflict("the object was changed concurrently; read it again and retry") from None
            except asyncpg.UniqueViolationError as exc:
                if idempotency is not None and exc.constraint_name == "idempotency_keys_pkey":
                    first = await _stored(pool, idempotency)
                    if first is not None:
                        return first
                if exc.constraint_name == "members_one_per_category":
                    raise Conflict("that category is already held by an active member of this chapter") from None
                raise
    raise AssertionError("unreachable")
