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
from shared.contracts.access import AccessRevoked, SignInLinkRequested
from shared.contracts.asks import AskUpdated
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


class AskLog(Protocol):
    async def add(self, chapter_id: str, member_id: str, events: Sequence[AskUpdated]) -> None:
        """A member's asks, appended without a version check: the latest one counts."""
        ...


class AccessLog(Protocol):
    async def add(self, chapter_id: str, events: Sequence[AccessRevoked | SignInLinkRequested]) -> None: ...


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


@dataclass(frozen=True)
class SessionRow:
    session_id: str
    chapter_id: str
    member_id: str
    device: str | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class RefreshRow:
    session: SessionRow
    expires_at: datetime
    rotated_at: datetime | None


class Sessions(Protocol):
    """Sign-in codes, sessions and refresh tokens (codes and refresh tokens by their hash only)."""

    async def members_by_email(self, email: str) -> list[tuple[str, str]]:
        """(chapter_id, member_id) of the active members with this address, whatever its case."""
        ...

    async def open_codes(self, member_id: str, now: datetime) -> int: ...

    async def add_code(self, code_hash: bytes, chapter_id: str, member_id: str, purpose: str,
                       expires_at: datetime) -> None: ...

    async def use_code(self, code_hash: bytes, now: datetime) -> tuple[str, str] | None:
        """Mark an unused, unexpired code used (once, even when two race): its (chapter_id, member_id)."""
        ...

    async def active_role(self, chapter_id: str, member_id: str) -> str | None: ...

    async def open(self, session_id: str, chapter_id: str, member_id: str, role: str, device: str | None,
                   now: datetime, expires_at: datetime) -> None: ...

    async def add_refresh(self, token_hash: bytes, session_id: str, expires_at: datetime) -> None: ...

    async def refresh_token(self, token_hash: bytes) -> RefreshRow | None:
        """The refresh token and its session, locked until the transaction ends."""
        ...

    async def rotate(self, token_hash: bytes, session_id: str, now: datetime, expires_at: datetime) -> None: ...

    async def open_sessions(self, member_id: str, now: datetime) -> list[SessionRow]: ...


class UnitOfWork:
    chapters: Repository[Chapter]
    referrals: Repository[Referral]
    closed_business: Repository[ClosedBusiness]
    visitors: Repository[Visitor]
    one_to_ones: Repository[RecordedSlip]
    ceus: Repository[RecordedSlip]
    attendance: AttendanceLog
    asks: AskLog
    access: AccessLog
    prospect_keys: DataKeys
    visitor_keys: DataKeys
    tokens: Tokens
    sessions: Sessions

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

    async def as_author(self, chapter_id: str, on_behalf_of: str | None) -> tuple[Chapter, str, str | None, date]:
        """The chapter, the member the slip is for, the leader who keys it in for them (None: the member
        themself) and today in the chapter."""
        chapter = await self.chapter(chapter_id)
        author, recorded_by = chapter.slip_author(self.principal.member_id, on_behalf_of)
        return chapter, author, recorded_by, self.today(chapter)

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
