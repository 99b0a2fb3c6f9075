"""One use case = one unit of work: the repositories it reads and records through, who is calling, and
what day it is in the chapter. Handlers see only this; PostgreSQL (adapters/postgres.py) and the unit
tests' in-memory fake are two ways of being one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from services.members.domain.aggregate import Aggregate
from services.members.domain.chapter import LEADERSHIP, Chapter
from services.members.domain.closed_business import ClosedBusiness
from services.members.domain.errors import Forbidden, NotFound
from services.members.domain.meetings import RecordedSlip, Visitor
from services.members.domain.referral import Referral
from shared.auth import Principal
from shared.clock import Clock, utc_now
from shared.contracts.access import AccessRevoked
from shared.contracts.members import AttendanceRecorded, SealedData
from shared.events import DomainEvent

A = TypeVar("A", bound=Aggregate)


class Repository(Protocol[A]):
    """Aggregates of one kind, each in its own stream (the repository names it)."""

    async def get(self, aggregate_id: str) -> A:
        """The aggregate as its stream has it (one that does not exist yet, if there is no stream)."""
        ...

    async def add(self, aggregate: A, events: Sequence[DomainEvent]) -> None:
        """Record `events` after the aggregate's version (a concurrent append fails it), then apply them."""
        ...

    async def unchanged(self, aggregate: A) -> None:
        """Nothing to record: the answer's position is the stream's latest, so a reader waits for it."""
        ...


class AttendanceLog(Protocol):
    async def add(self, chapter_id: str, meeting_date: date, events: Sequence[AttendanceRecorded]) -> None:
        """A meeting's marks, appended without a version check: a later mark corrects an earlier one."""
        ...


class AccessLog(Protocol):
    async def add(self, chapter_id: str, events: Sequence[AccessRevoked]) -> None: ...


class DataKeys(Protocol):
    """Data keys of one kind of person who is not a member (prospects by referral, visitors by visitor)."""

    async def seal(self, owner_id: str, data: dict[str, Any]) -> SealedData:
        """A new data key for this prospect (or visitor), kept, and `data` sealed under it."""
        ...

    async def erase(self, key_id: str) -> None: ...


@dataclass(frozen=True)
class Token:
    token_id: str
    member_id: str
    revoked_at: datetime | None = None


class Tokens(Protocol):
    async def add(self, token_id: str, chapter_id: str, member_id: str, role: str) -> None: ...

    async def unrevoked(self, member_ids: Sequence[str]) -> list[Token]: ...

    async def find(self, chapter_id: str, member_id: str, token_id: str) -> Token | None: ...


class UnitOfWork:
    chapters: Repository[Chapter]
    referrals: Repository[Referral]
    closed_business: Repository[ClosedBusiness]
    visitors: Repository[Visitor]
    one_to_ones: Repository[RecordedSlip]
    ceus: Repository[RecordedSlip]
    attendance: AttendanceLog
    access: AccessLog
    prospect_keys: DataKeys
    visitor_keys: DataKeys
    tokens: Tokens

    def __init__(self, principal: Principal, clock: Clock = utc_now, token_secret: str = "") -> None:
        self.principal = principal
        self.clock = clock
        self.token_secret = token_secret
        self.last_position: int | None = None
        """The event-store position of the last event this unit recorded (read-your-writes)."""

    async def chapter(self, chapter_id: str) -> Chapter:
        """The chapter as the caller may see it: another chapter's (or no) chapter is not found."""
        if not self.principal.belongs_to(chapter_id):
            raise NotFound(f"no chapter {chapter_id}")
        chapter = await self.chapters.get(chapter_id)
        if not chapter.exists:
            raise NotFound(f"no chapter {chapter_id}")
        return chapter

    async def as_member(self, chapter_id: str) -> tuple[Chapter, str, date]:
        """The chapter, the calling member (who records slips as themselves) and today in the chapter."""
        chapter = await self.chapter(chapter_id)
        return chapter, self.require_member(chapter), self.today(chapter)

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
