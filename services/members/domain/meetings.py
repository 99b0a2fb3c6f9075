"""What happens at and around the weekly meeting: attendance, visitors, one-to-ones and CEUs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from services.members.domain.aggregate import Aggregate
from services.members.domain.chapter import Chapter
from services.members.domain.errors import Conflict, Forbidden, InvalidField
from shared.clock import SIX_MONTHS
from shared.contracts.members import (
    AttendanceMark,
    AttendanceRecorded,
    CeuRecorded,
    MeetingMode,
    OneToOneRecorded,
    SealedData,
    VisitorApplied,
    VisitorAttended,
    VisitorBecameMember,
    VisitorDataErased,
    VisitorInvited,
)
from shared.events import DomainEvent


def record_attendance(chapter: Chapter, meeting_date: date, marks: dict[str, AttendanceMark],
                      substitutes: dict[str, str], today: date) -> list[AttendanceRecorded]:
    if not marks:
        raise InvalidField("marks", "at least one member's mark")
    events = []
    for member_id, mark in marks.items():
        chapter.active_member(member_id, f"marks.{member_id}")
        chapter.check_date(meeting_date, today, member_id, field_name="meeting_date")
        substitute = substitutes.get(member_id)
        if mark == "S" and not substitute:
            raise InvalidField(f"marks.{member_id}.substitute_name", "a substitute mark names the substitute")
        events.append(AttendanceRecorded(chapter_id=chapter.chapter_id, member_id=member_id,
                                         meeting_date=meeting_date, mark=mark,
                                         substitute_name=substitute if mark == "S" else None))
    return events


def absences_in_six_months(marks: Iterable[tuple[date, AttendanceMark]], today: date) -> int:
    """Absences ('A') at meetings in the six months up to `today`; a substitute, medical or late is none.
    A meeting marked twice counts by its last mark."""
    last: dict[date, AttendanceMark] = {}
    for day, mark in marks:
        last[day] = mark
    return sum(1 for day, mark in last.items() if mark == "A" and today - SIX_MONTHS < day <= today)


def one_to_one_id(chapter_id: str, member_a: str, member_b: str, occurred_on: date) -> str:
    """The same meeting reported by both members gets the same id, so it is recorded once."""
    first, second = sorted((member_a, member_b))
    digest = hashlib.sha256(f"{chapter_id}|{first}|{second}|{occurred_on.isoformat()}".encode()).hexdigest()
    return f"o2o-{digest[:24]}"


def record_one_to_one(chapter: Chapter, *, reported_by: str, with_member_id: str, mode: MeetingMode,
                      occurred_on: date, today: date) -> OneToOneRecorded:
    chapter.active_member(reported_by, "reported_by")
    chapter.active_member(with_member_id, "with_member_id")
    if with_member_id == reported_by:
        raise InvalidField("with_member_id", "a one-to-one is between two different members")
    chapter.check_date(occurred_on, today, reported_by, with_member_id)
    pair = sorted((reported_by, with_member_id))
    return OneToOneRecorded(chapter_id=chapter.chapter_id,
                            one_to_one_id=one_to_one_id(chapter.chapter_id, reported_by, with_member_id, occurred_on),
                            member_ids=(pair[0], pair[1]), reported_by=reported_by, mode=mode,
                            occurred_on=occurred_on)


def record_ceu(chapter: Chapter, ceu_id: str, *, member_id: str, description: str, credits: int,
               occurred_on: date, today: date) -> CeuRecorded:
    chapter.active_member(member_id)
    if credits < 1:
        raise InvalidField("credits", "at least 1")
    if not description.strip():
        raise InvalidField("description", "say what was learned (a training, a podcast, a book)")
    chapter.check_date(occurred_on, today, member_id)
    return CeuRecorded(chapter_id=chapter.chapter_id, ceu_id=ceu_id, member_id=member_id,
                       description=description, credits=credits, occurred_on=occurred_on)


@dataclass
class RecordedSlip(Aggregate):
    """A slip recorded once and never changed (a one-to-one, a CEU): its stream holds its one event.
    A one-to-one's id derives from the meeting, so a second report of it finds the slip there."""

    recorded: DomainEvent | None = None

    def when(self, event: DomainEvent) -> None:
        self.recorded = self.recorded or event


VisitorStage = Literal["invited", "attended", "applied", "member"]


@dataclass
class Visitor(Aggregate):
    invited: VisitorInvited | None = None
    stage: VisitorStage = "invited"
    last_on: date | None = None
    erased: bool = False

    @property
    def visitor_id(self) -> str:
        return self.aggregate_id

    def when(self, event: DomainEvent) -> None:
        if isinstance(event, VisitorInvited):
            self.invited, self.last_on = event, event.occurred_on
        elif isinstance(event, VisitorAttended):
            self.stage, self.last_on = "attended", event.occurred_on
        elif isinstance(event, VisitorApplied):
            self.stage, self.last_on = "applied", event.occurred_on
        elif isinstance(event, VisitorBecameMember):
            self.stage, self.last_on = "member", event.occurred_on
        elif isinstance(event, VisitorDataErased):
            self.erased = True

    @property
    def invited_by(self) -> str:
        assert self.invited is not None
        return self.invited.invited_by

    @staticmethod
    def check_name(visitor_name: str) -> None:
        """Checked before the name is sealed: a refused invitation leaves no data key behind."""
        if not visitor_name.strip():
            raise InvalidField("visitor_name", "must not be empty")

    @staticmethod
    def invite(chapter: Chapter, visitor_id: str, *, invited_by: str, visitor: SealedData, occurred_on: date,
               today: date) -> VisitorInvited:
        """`visitor`: the name and business, sealed under the visitor's own data key."""
        chapter.active_member(invited_by, "invited_by")
        chapter.check_date(occurred_on, today, invited_by)
        return VisitorInvited(chapter_id=chapter.chapter_id, visitor_id=visitor_id, invited_by=invited_by,
                              visitor=visitor, occurred_on=occurred_on)

    def erase(self) -> VisitorDataErased | None:
        """Delete the visitor's name and business (their data key): None if already done. The steps and the
        counts stay; a visitor invited before sealing has no key, and its projected name is dropped."""
        assert self.invited is not None
        if self.erased:
            return None
        return VisitorDataErased(chapter_id=self.invited.chapter_id, visitor_id=self.visitor_id,
                                 key_id=self.invited.visitor.key_id)

    def _check(self, occurred_on: date, today: date) -> tuple[str, str]:
        assert self.invited is not None and self.last_on is not None
        if self.stage == "member":
            raise Conflict("the visitor already became a member")
        if occurred_on > today:
            raise InvalidField("occurred_on", f"{occurred_on} is in the future (today is {today})")
        if occurred_on < self.last_on:
            raise InvalidField("occurred_on", f"{occurred_on} is before the visitor's previous step ({self.last_on})")
        return self.invited.chapter_id, self.invited.invited_by

    def attend(self, occurred_on: date, today: date) -> VisitorAttended:
        chapter_id, invited_by = self._check(occurred_on, today)
        return VisitorAttended(chapter_id=chapter_id, visitor_id=self.visitor_id, invited_by=invited_by,
                               occurred_on=occurred_on)

    def apply_for_membership(self, occurred_on: date, today: date) -> VisitorApplied:
        chapter_id, invited_by = self._check(occurred_on, today)
        if self.stage == "applied":
            raise Conflict("the visitor already applied")
        return VisitorApplied(chapter_id=chapter_id, visitor_id=self.visitor_id, invited_by=invited_by,
                              occurred_on=occurred_on)

    def become_member(self, member_id: str, occurred_on: date, today: date) -> VisitorBecameMember:
        chapter_id, invited_by = self._check(occurred_on, today)
        return VisitorBecameMember(chapter_id=chapter_id, visitor_id=self.visitor_id, invited_by=invited_by,
                                   member_id=member_id, occurred_on=occurred_on)


def only_party(principal_member_id: str | None, *parties: str) -> None:
    if principal_member_id not in parties:
        raise Forbidden("members record slips only as themselves")
