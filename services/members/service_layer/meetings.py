"""Use cases of the weekly meeting: attendance (leaders only) and visitors (their name sealed, erasable)."""

from __future__ import annotations

from datetime import date

from services.members.domain.chapter import Chapter
from services.members.domain.errors import DomainError, Forbidden, NotFound
from services.members.domain.meetings import Visitor, record_attendance
from services.members.service_layer.chapters import new_id
from services.members.service_layer.commands import InviteVisitor, RecordAttendance, VisitorStep
from services.members.service_layer.unit_of_work import UnitOfWork
from shared.contracts.members import AttendanceRecorded, VisitorApplied, VisitorAttended, VisitorInvited


async def attendance(cmd: RecordAttendance, uow: UnitOfWork, *, chapter_id: str,
                     meeting_date: date) -> list[AttendanceRecorded]:
    chapter = await uow.chapter(chapter_id)
    uow.require_leader(chapter)
    events = record_attendance(chapter, meeting_date, {m.member_id: m.mark for m in cmd.marks},
                               {m.member_id: m.substitute_name for m in cmd.marks if m.substitute_name},
                               uow.today(chapter))
    await uow.attendance.add(chapter_id, meeting_date, events)
    return events


async def record_visitor(cmd: InviteVisitor, uow: UnitOfWork, chapter: Chapter, visitor: Visitor, *,
                         invited_by: str, today: date, recorded_by: str | None = None) -> VisitorInvited:
    """Decide and record an invitation (live, and an imported row alike); the name and business are sealed
    under the visitor's own data key before anything is recorded."""
    Visitor.check_name(cmd.visitor_name)
    sealed = await uow.visitor_keys.seal(visitor.visitor_id, {"name": cmd.visitor_name, "business": cmd.business})
    try:
        event = Visitor.invite(chapter, visitor.visitor_id, invited_by=invited_by, visitor=sealed,
                               occurred_on=cmd.occurred_on or today, today=today).model_copy(
                                   update={"recorded_by": recorded_by})
    except DomainError:
        await uow.visitor_keys.erase(sealed.key_id)  # an import commits the batch's other rows: keep no orphan key
        raise
    await uow.visitors.add(visitor, [event])
    return event


async def invite_visitor(cmd: InviteVisitor, uow: UnitOfWork, *, chapter_id: str) -> VisitorInvited:
    chapter, inviter, recorded_by, today = await uow.as_author(chapter_id, cmd.on_behalf_of)
    return await record_visitor(cmd, uow, chapter, Visitor(new_id("v")), invited_by=inviter, today=today,
                                recorded_by=recorded_by)


async def _visitor(uow: UnitOfWork, chapter: Chapter, visitor_id: str, doing: str) -> Visitor:
    """The chapter's visitor, for its inviter or a leader (another chapter's is not found)."""
    visitor = await uow.visitors.get(visitor_id)
    if not visitor.belongs_to(chapter.chapter_id):
        raise NotFound(f"no visitor {visitor_id} in this chapter")
    if uow.principal.member_id != visitor.invited_by:
        try:
            uow.require_leader(chapter)
        except Forbidden:
            raise Forbidden(f"only the inviter or a leader {doing}") from None
    return visitor


async def visitor_step(cmd: VisitorStep, uow: UnitOfWork, *, chapter_id: str,
                       visitor_id: str) -> VisitorAttended | VisitorApplied:
    """The inviter or a leader records that the visitor attended a meeting or applied."""
    chapter = await uow.chapter(chapter_id)
    visitor = await _visitor(uow, chapter, visitor_id, "records a visitor's steps")
    today = uow.today(chapter)
    occurred_on = cmd.occurred_on or today
    event = (visitor.attend(occurred_on, today) if cmd.step == "attended"
             else visitor.apply_for_membership(occurred_on, today))
    await uow.visitors.add(visitor, [event])
    return event


async def erase_visitor(uow: UnitOfWork, *, chapter_id: str, visitor_id: str) -> str:
    """Delete the visitor's data key (the inviter or a leader): their name and business are unreadable
    everywhere from now. Returns the visitor's id; erasing twice is no error."""
    chapter = await uow.chapter(chapter_id)
    visitor = await _visitor(uow, chapter, visitor_id, "erases a visitor's data")
    event = visitor.erase()
    if event is None:
        await uow.visitors.unchanged(visitor)
        return visitor_id
    await uow.visitor_keys.erase(event.key_id)
    await uow.visitors.add(visitor, [event])
    return visitor_id
