"""Use cases of the weekly meeting: attendance (leaders only) and visitors."""

from __future__ import annotations

from datetime import date

from services.members.domain.errors import Forbidden, NotFound
from services.members.domain.meetings import Visitor, record_attendance
from services.members.service_layer.chapters import new_id
from services.members.service_layer.commands import InviteVisitor, RecordAttendance, VisitorStep
from services.members.service_layer.unit_of_work import Body, UnitOfWork


async def attendance(uow: UnitOfWork, chapter_id: str, meeting_date: date, cmd: RecordAttendance) -> Body:
    chapter = await uow.chapter(chapter_id)
    uow.require_leader(chapter)
    events = record_attendance(chapter, meeting_date, {m.member_id: m.mark for m in cmd.marks},
                               {m.member_id: m.substitute_name for m in cmd.marks if m.substitute_name},
                               uow.today(chapter))
    await uow.record(f"meeting-{chapter_id}-{meeting_date.isoformat()}", None, events, chapter_id)
    return {"meeting_date": meeting_date, "marks": {e.member_id: e.mark for e in events}}


async def invite_visitor(uow: UnitOfWork, chapter_id: str, cmd: InviteVisitor) -> Body:
    chapter = await uow.chapter(chapter_id)
    inviter = uow.require_member(chapter)
    today = uow.today(chapter)
    visitor_id = new_id("v")
    event = Visitor.invite(chapter, visitor_id, invited_by=inviter, visitor_name=cmd.visitor_name,
                           business=cmd.business, occurred_on=cmd.occurred_on or today, today=today)
    await uow.record(f"visitor-{visitor_id}", 0, [event], chapter_id)
    return {"visitor_id": visitor_id, "invited_by": inviter, "stage": "invited", "occurred_on": event.occurred_on}


async def visitor_step(uow: UnitOfWork, chapter_id: str, visitor_id: str, cmd: VisitorStep) -> Body:
    """The inviter or a leader records that the visitor attended a meeting or applied."""
    chapter = await uow.chapter(chapter_id)
    visitor = Visitor.load(visitor_id, await uow.history(f"visitor-{visitor_id}"))
    if visitor.invited is None or visitor.invited.chapter_id != chapter_id:
        raise NotFound(f"no visitor {visitor_id} in this chapter")
    if uow.principal.member_id != visitor.invited_by:
        try:
            uow.require_leader(chapter)
        except Forbidden:
            raise Forbidden("only the inviter or a leader records a visitor's steps") from None
    today = uow.today(chapter)
    occurred_on = cmd.occurred_on or today
    event = (visitor.attend(occurred_on, today) if cmd.step == "attended"
             else visitor.apply_for_membership(occurred_on, today))
    await uow.record(f"visitor-{visitor_id}", visitor.version, [event], chapter_id)
    return {"visitor_id": visitor_id, "stage": cmd.step, "occurred_on": occurred_on}
