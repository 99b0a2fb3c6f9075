"""An in-memory unit of work: the real handlers run against it with no PostgreSQL and no Kafka."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

from services.members.domain.aggregate import Aggregate
from services.members.domain.chapter import Chapter
from services.members.domain.closed_business import ClosedBusiness
from services.members.domain.meetings import RecordedSlip, Visitor
from services.members.domain.referral import Referral
from services.members.service_layer.unit_of_work import Token, UnitOfWork
from shared.auth import Principal
from shared.contracts.access import AccessRevoked, SignInLinkRequested
from shared.contracts.asks import AskUpdated
from shared.contracts.members import AttendanceRecorded, SealedData
from shared.event_store import ConcurrencyError
from shared.events import DomainEvent

A = TypeVar("A", bound=Aggregate)


class FakeRepository(Generic[A]):
    def __init__(self, uow: FakeUnitOfWork, kind: type[A]) -> None:
        self.uow, self.kind = uow, kind
        self.streams: dict[str, list[DomainEvent]] = {}

    async def get(self, aggregate_id: str) -> A:
        return self.kind.load(aggregate_id, self.streams.get(aggregate_id, []))

    async def add(self, aggregate: A, events: Sequence[DomainEvent]) -> None:
        stream = self.streams.setdefault(aggregate.aggregate_id, [])
        if len(stream) != aggregate.version:
            raise ConcurrencyError(aggregate.aggregate_id, aggregate.version, len(stream))
        stream.extend(events)
        self.uow.recorded.extend(events)
        for event in events:
            aggregate.apply(event)

    async def unchanged(self, aggregate: A) -> None:
        return None


class FakeAttendance:
    def __init__(self) -> None:
        self.marks: list[AttendanceRecorded] = []

    async def add(self, chapter_id: str, meeting_date: date, events: Sequence[AttendanceRecorded]) -> None:
        self.marks.extend(events)


class FakeAsks:
    def __init__(self) -> None:
        self.asks: list[AskUpdated] = []

    async def add(self, chapter_id: str, member_id: str, events: Sequence[AskUpdated]) -> None:
        self.asks.extend(events)


class FakeAccess:
    def __init__(self) -> None:
        self.revoked: list[AccessRevoked] = []
        self.links: list[SignInLinkRequested] = []

    async def add(self, chapter_id: str, events: Sequence[AccessRevoked | SignInLinkRequested]) -> None:
        self.revoked.extend(e for e in events if isinstance(e, AccessRevoked))
        self.links.extend(e for e in events if isinstance(e, SignInLinkRequested))


class FakeKeys:
    def __init__(self) -> None:
        self.keys: dict[str, str] = {}

    async def seal(self, owner_id: str, data: dict[str, Any]) -> SealedData:
        key_id = f"pk-{len(self.keys) + 1}"
        self.keys[key_id] = owner_id
        return SealedData(key_id=key_id, nonce="", ciphertext="")

    async def erase(self, key_id: str) -> None:
        self.keys.pop(key_id, None)


class FakeTokens:
    def __init__(self) -> None:
        self.tokens: dict[str, tuple[str, str, datetime | None]] = {}

    async def add(self, token_id: str, chapter_id: str, member_id: str, role: str) -> None:
        self.tokens[token_id] = (chapter_id, member_id, None)

    async def unrevoked(self, member_ids: Sequence[str]) -> list[Token]:
        return [Token(t, m) for t, (_c, m, revoked) in self.tokens.items() if m in member_ids and revoked is None]

    async def find(self, chapter_id: str, member_id: str, token_id: str) -> Token | None:
        found = self.tokens.get(token_id)
        if found is None or found[:2] != (chapter_id, member_id):
            return None
        return Token(token_id, member_id, found[2])


class FakeUnitOfWork(UnitOfWork):
    """One chapter's whole world; `as_caller` hands the same world to another caller."""

    referrals: FakeRepository[Referral]
    prospect_keys: FakeKeys
    visitor_keys: FakeKeys

    def __init__(self, principal: Principal, now: datetime = datetime(2025, 6, 2, 9, tzinfo=UTC)) -> None:
        super().__init__(principal, clock=lambda: now, token_secret="a unit-test secret of thirty-two bytes or more")
        self.recorded: list[DomainEvent] = []
        self.chapters = FakeRepository(self, Chapter)
        self.referrals = FakeRepository(self, Referral)
        self.closed_business = FakeRepository(self, ClosedBusiness)
        self.visitors = FakeRepository(self, Visitor)
        self.one_to_ones = FakeRepository(self, RecordedSlip)
        self.ceus = FakeRepository(self, RecordedSlip)
        self.attendance = FakeAttendance()
        self.asks = FakeAsks()
        self.access = FakeAccess()
        self.prospect_keys = FakeKeys()
        self.visitor_keys = FakeKeys()
        self.tokens = FakeTokens()

    def as_caller(self, principal: Principal) -> FakeUnitOfWork:
        other = object.__new__(FakeUnitOfWork)
        other.__dict__.update(self.__dict__)
        other.principal = principal
        return other
