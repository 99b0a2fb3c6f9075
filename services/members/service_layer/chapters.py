"""Use cases of the chapter and its roster: found, add members, roles, renew, leave or drop, revocation.

No answer here carries a member's token: a new member is sent a welcome sign-in link (`sign_in.py`)."""

from __future__ import annotations

import uuid
from datetime import UTC
from zoneinfo import ZoneInfo

from services.members.domain.chapter import Chapter, Member
from services.members.domain.errors import Conflict, Forbidden, InvalidField, NotFound
from services.members.service_layer.commands import AddMember, AssignRole, FoundChapter, Leave, Renew, RevokeToken
from services.members.service_layer.sign_in import SignInPolicy, end_sessions, send_link
from services.members.service_layer.unit_of_work import UnitOfWork
from shared.contracts.access import AccessRevoked
from shared.contracts.members import ChapterFounded


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


async def found_chapter(cmd: FoundChapter, uow: UnitOfWork) -> ChapterFounded:
    if not uow.principal.is_admin:
        raise Forbidden("only the administrator founds chapters")
    chapter = Chapter(new_id("c"))
    today = uow.clock().astimezone(ZoneInfo(cmd.timezone)).date()
    event = Chapter.found(chapter.chapter_id, name=cmd.name, city=cmd.city, region=cmd.region,
                          meeting_weekday=cmd.meeting_weekday, meeting_time=cmd.meeting_time,
                          timezone=cmd.timezone, currency=cmd.currency, founded_on=cmd.founded_on or today,
                          today=today, language=cmd.language)
    await uow.chapters.add(chapter, [event])
    return event


async def add_member(cmd: AddMember, uow: UnitOfWork, *, chapter_id: str,
                     welcome: SignInPolicy | None = None) -> Member:
    """Add a member; with `welcome`, they are e-mailed a sign-in link (an import of history sends none)."""
    chapter = await uow.chapter(chapter_id)
    uow.require_leader(chapter)
    today = uow.today(chapter)
    member_id = new_id("m")
    joined_on = cmd.joined_on or today
    joined = chapter.join(member_id, name=cmd.name, business=cmd.business, category=cmd.category,
                          email=cmd.email, phone=cmd.phone, joined_on=joined_on, today=today)
    if cmd.visitor_id is not None:
        visitor = await uow.visitors.get(cmd.visitor_id)
        if not visitor.belongs_to(chapter_id):
            raise InvalidField("visitor_id", f"no visitor {cmd.visitor_id} in this chapter")
        await uow.visitors.add(visitor, [visitor.become_member(member_id, joined_on, today)])
    await uow.chapters.add(chapter, [joined])
    if welcome is not None:
        await send_link(uow, welcome, chapter_id=chapter_id, member_id=member_id, purpose="welcome")
    return chapter.members[member_id]


async def renew(cmd: Renew, uow: UnitOfWork, *, chapter_id: str, member_id: str) -> Member:
    chapter = await uow.chapter(chapter_id)
    uow.require_leader(chapter)
    chapter.member(member_id)
    event = chapter.renew(member_id, renewed_on=cmd.renewed_on or uow.today(chapter), today=uow.today(chapter))
    await uow.chapters.add(chapter, [event])
    return chapter.members[member_id]


async def leave(cmd: Leave, uow: UnitOfWork, *, chapter_id: str, member_id: str) -> Member:
    """A member leaves themselves; only leaders drop a member. Their tokens stop working everywhere."""
    chapter = await uow.chapter(chapter_id)
    chapter.member(member_id)
    if cmd.dropped or uow.principal.member_id != member_id:
        uow.require_leader(chapter)
    today = uow.today(chapter)
    left = chapter.leave(member_id, left_on=cmd.left_on or today, dropped=cmd.dropped, reason=cmd.reason,
                         today=today)
    revoked = AccessRevoked(chapter_id=chapter_id, member_id=member_id,
                            reason="dropped from the chapter" if cmd.dropped else "left the chapter")
    await uow.chapters.add(chapter, [left])
    await uow.access.add(chapter_id, [revoked])
    return chapter.members[member_id]


async def assign_role(cmd: AssignRole, uow: UnitOfWork, *, chapter_id: str, member_id: str) -> Member:
    """Only the administrator appoints leaders. The sessions of everyone whose role changed (their access
    tokens carry the old role) are ended: they sign in again. No token is answered."""
    if not uow.principal.is_admin:
        raise Forbidden("only the administrator appoints leaders")
    chapter = await uow.chapter(chapter_id)
    chapter.member(member_id)
    events = chapter.assign_role(member_id, cmd.role)
    if not events:
        raise Conflict(f"member {member_id} already has the role '{cmd.role}'")
    await uow.chapters.add(chapter, events)
    stale = await uow.tokens.unrevoked([e.member_id for e in events])
    await end_sessions(uow, chapter_id, [t.token_id for t in stale], "role changed")
    return chapter.members[member_id]


async def revoke_token(cmd: RevokeToken, uow: UnitOfWork, *, chapter_id: str, member_id: str,
                       token_id: str) -> str:
    """The revoked token's (a session's) id."""
    chapter = await uow.chapter(chapter_id)
    chapter.member(member_id)
    if uow.principal.member_id != member_id:
        uow.require_leader(chapter)
    found = await uow.tokens.find(chapter_id, member_id, token_id)
    if found is None:
        raise NotFound(f"no token {token_id} for member {member_id}")
    if found.revoked_at is not None:
        raise Conflict(f"token {token_id} was already revoked at {found.revoked_at.astimezone(UTC).isoformat()}")
    await uow.access.add(chapter_id, [AccessRevoked(chapter_id=chapter_id, token_id=token_id, reason=cmd.reason)])
    return token_id
