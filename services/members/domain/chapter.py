"""The chapter and its roster: who is a member, in which category, with which role.

One aggregate (one stream) holds the roster so "one active member per category" is decided against
everything recorded before, and two applicants racing for one category cannot both get in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, time

from services.members.domain.aggregate import Aggregate
from services.members.domain.dates import check_slip_date
from services.members.domain.errors import Conflict, Forbidden, InvalidField, NotFound
from shared.contracts.members import (
    ChapterFounded,
    Language,
    MemberJoined,
    MemberLeft,
    MemberRole,
    MembershipRenewed,
    RoleAssigned,
    Weekday,
)
from shared.events import DomainEvent

LEADERSHIP: frozenset[str] = frozenset({"president", "vice-president", "secretary"})


def category_key(category: str) -> str:
    """Categories compare without case or surrounding/double spaces ("Accountant " == "accountant")."""
    return " ".join(category.split()).casefold()


@dataclass(frozen=True)
class Member:
    member_id: str
    name: str
    business: str
    category: str
    email: str
    role: MemberRole
    joined_on: date
    renewed_until: date
    left_on: date | None = None

    @property
    def active(self) -> bool:
        return self.left_on is None


@dataclass
class Chapter(Aggregate):
    founded: ChapterFounded | None = None
    members: dict[str, Member] = field(default_factory=dict)

    # --- state -----------------------------------------------------------------------------------
    @property
    def chapter_id(self) -> str:
        return self.aggregate_id

    def copy(self) -> Chapter:
        """An independent copy (members are immutable; the roster dict is not shared)."""
        return replace(self, members=dict(self.members))

    def when(self, event: DomainEvent) -> None:
        if isinstance(event, ChapterFounded):
            self.founded = event
        elif isinstance(event, MemberJoined):
            self.members[event.member_id] = Member(
                event.member_id, event.member_name, event.business, event.category, event.email, event.role,
                event.joined_on, a_year_after(event.joined_on))
        elif isinstance(event, MembershipRenewed):
            self.members[event.member_id] = replace(self.members[event.member_id],
                                                    renewed_until=event.renewed_until)
        elif isinstance(event, MemberLeft):
            self.members[event.member_id] = replace(self.members[event.member_id], left_on=event.left_on)
        elif isinstance(event, RoleAssigned):
            self.members[event.member_id] = replace(self.members[event.member_id], role=event.role)

    @property
    def founded_on(self) -> date:
        assert self.founded is not None
        return self.founded.founded_on

    def holder_of(self, category: str) -> Member | None:
        key = category_key(category)
        return next((m for m in self.members.values() if m.active and category_key(m.category) == key), None)

    def member(self, member_id: str) -> Member:
        """A member of this chapter (present or past); another chapter's id is simply not found."""
        found = self.members.get(member_id)
        if found is None:
            raise NotFound(f"no member {member_id} in this chapter")
        return found

    def active_member(self, member_id: str, field_name: str = "member_id") -> Member:
        found = self.members.get(member_id)
        if found is None:
            raise InvalidField(field_name, f"{member_id} is not a member of this chapter")
        if not found.active:
            raise InvalidField(field_name, f"{member_id} left the chapter on {found.left_on}")
        return found

    def slip_author(self, caller_id: str | None, on_behalf_of: str | None) -> tuple[str, str | None]:
        """Who a slip is recorded for, and who keyed it in (`recorded_by`, None when the same). Members record as
        themselves; a leader may key in an active member's paper slip, and the slip then names both."""
        if caller_id is None or caller_id not in self.members:
            raise Forbidden("slips are recorded by members of the chapter, as themselves")
        if on_behalf_of is None or on_behalf_of == caller_id:
            return caller_id, None
        caller = self.members[caller_id]
        if not caller.active or caller.role not in LEADERSHIP:
            raise Forbidden("only the chapter's leaders record a slip on another member's behalf (on_behalf_of)")
        self.active_member(on_behalf_of, "on_behalf_of")
        return on_behalf_of, caller_id

    def check_date(self, occurred_on: date, today: date, *member_ids: str, field_name: str = "occurred_on") -> None:
        check_slip_date(occurred_on, today=today, founded_on=self.founded_on,
                        joined={m: self.members[m].joined_on for m in member_ids if m in self.members},
                        field=field_name)

    # --- decisions -------------------------------------------------------------------------------
    @staticmethod
    def found(chapter_id: str, *, name: str, city: str, region: str, meeting_weekday: Weekday,
              meeting_time: time, timezone: str, currency: str, founded_on: date, today: date,
              language: Language = "en") -> ChapterFounded:
        if founded_on > today:
            raise InvalidField("founded_on", f"{founded_on} is in the future")
        return ChapterFounded(chapter_id=chapter_id, chapter_name=name, city=city, region=region,
                              meeting_weekday=meeting_weekday, meeting_time=meeting_time, timezone=timezone,
                              currency=currency, founded_on=founded_on, language=language)

    def join(self, member_id: str, *, name: str, business: str, category: str, email: str, phone: str | None,
             joined_on: date, today: date) -> MemberJoined:
        check_slip_date(joined_on, today=today, founded_on=self.founded_on, field="joined_on")
        holder = self.holder_of(category)
        if holder is not None:
            raise Conflict(f"category '{holder.category}' is already held by an active member of this chapter")
        return MemberJoined(chapter_id=self.chapter_id, member_id=member_id, member_name=name, business=business,
                            category=" ".join(category.split()), email=email, phone=phone, role="member",
                            joined_on=joined_on)

    def renew(self, member_id: str, *, renewed_on: date, today: date) -> MembershipRenewed:
        member = self.active_member(member_id)
        self.check_date(renewed_on, today, member_id, field_name="renewed_on")
        start = max(member.renewed_until, renewed_on)
        return MembershipRenewed(chapter_id=self.chapter_id, member_id=member_id, renewed_on=renewed_on,
                                 renewed_until=a_year_after(start))

    def leave(self, member_id: str, *, left_on: date, dropped: bool, reason: str | None,
              today: date) -> MemberLeft:
        member = self.member(member_id)
        if not member.active:
            raise Conflict(f"member {member_id} already left the chapter on {member.left_on}")
        self.check_date(left_on, today, member_id, field_name="left_on")
        return MemberLeft(chapter_id=self.chapter_id, member_id=member_id, left_on=left_on, dropped=dropped,
                          reason=reason)

    def assign_role(self, member_id: str, role: MemberRole) -> list[RoleAssigned]:
        """A leadership role has one holder: giving it to someone hands the previous holder back 'member'."""
        member = self.active_member(member_id)
        if member.role == role:
            return []
        events: list[RoleAssigned] = []
        if role in LEADERSHIP:
            for other in self.members.values():
                if other.active and other.role == role and other.member_id != member_id:
                    events.append(RoleAssigned(chapter_id=self.chapter_id, member_id=other.member_id, role="member"))
        events.append(RoleAssigned(chapter_id=self.chapter_id, member_id=member_id, role=role))
        return events


def a_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)
