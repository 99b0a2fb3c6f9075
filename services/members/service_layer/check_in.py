"""QR check-in: a leader shows the current code; a member who scans it is marked present (P)."""

from __future__ import annotations

from services.members.domain.check_in import CheckInCode, CheckInWindow, check_in, issue
from services.members.domain.meetings import record_attendance
from services.members.service_layer.unit_of_work import UnitOfWork
from shared.contracts.members import AttendanceRecorded


async def current_code(uow: UnitOfWork, *, chapter_id: str, window: CheckInWindow) -> CheckInCode:
    """The code for the leader's screen (leaders only; inside the meeting window)."""
    chapter = await uow.chapter(chapter_id)
    uow.require_leader(chapter)
    return issue(chapter, uow.clock(), uow.token_secret, window)


async def scan(code: str, uow: UnitOfWork, *, chapter_id: str, window: CheckInWindow) -> AttendanceRecorded:
    """The calling member, present at the meeting that is on. A later mark by a leader corrects it."""
    chapter = await uow.chapter(chapter_id)
    member_id = uow.principal.member_id
    meeting = check_in(chapter, member_id, code, uow.clock(), uow.token_secret, window)
    assert member_id is not None
    [event] = record_attendance(chapter, meeting, {member_id: "P"}, {}, max(meeting, uow.today(chapter)))
    await uow.attendance.add(chapter_id, meeting, [event])
    return event
