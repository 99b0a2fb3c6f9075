"""Use cases of the chapter and its roster: found, add members, roles, renew, leave or drop, tokens."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from services.members.domain.chapter import Chapter, Member
from services.members.domain.errors import Conflict, Forbidden, InvalidField, NotFound
from services.members.domain.meetings import Visitor
from services.members.service_layer.commands import AddMember, AssignRole, FoundChapter, Leave, Renew, RevokeToken
from services.members.service_layer.unit_of_work import Body, UnitOfWork, chapter_stream
from shared.auth import decode_token, issue_token
from shared.contracts.access import AccessRevoked


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def member_body(member: Member) -> Body:
    return {"member_id": member.member_id, "name": member.name, "business": member.business,
            "category": member.category, "email": member.email, "role": member.role,
            "joined_on": member.joined_on, "renewed_until": member.renewed_until, "left_on": member.left_on,
            "active": member.active}


async def _issue(uow: UnitOfWork, chapter_id: str, member: Member) -> dict[str, Any]:
    token = issue_token(uow.token_secret, member_id=member.member_id, chapter_id=chapter_id,
                        role=member.role)
    token_id = decode_token(uow.token_secret, token).token_id
    await uow.conn.execute("INSERT INTO tokens (token_id, chapter_id, member_id, role) VALUES ($1, $2, $3, $4)",
                           token_id, chapter_id, member.member_id, member.role)
    return {"token": token, "token_id": token_id}


async def found_chapter(uow: UnitOfWork, cmd: FoundChapter) -> Body:
    if not uow.principal.is_admin:
        raise Forbidden("only the administrator founds chapters")
    chapter_id = new_id("c")
    today = uow.clock().astimezone(ZoneInfo(cmd.timezone)).date()
    event = Chapter.found(chapter_id, name=cmd.name, city=cmd.city, region=cmd.region,
                          meeting_weekday=cmd.meeting_weekday, meeting_time=cmd.meeting_time,
                          timezone=cmd.timezone, currency=cmd.currency, founded_on=cmd.founded_on or today,
                          today=today, language=cmd.language)
    await uow.record(chapter_stream(chapter_id), 0, [event], chapter_id)
    return {"chapter_id": chapter_id, **event.model_dump(mode="json", exclude={"chapter_id", "chapter_name"}),
            "name": cmd.name}


async def add_member(uow: UnitOfWork, chapter_id: str, cmd: AddMember) -> Body:
    chapter = await uow.chapter(chapter_id)
    uow.require_leader(chapter)
    today = uow.today(chapter)
    member_id = new_id("m")
    joined_on = cmd.joined_on or today
    joined = chapter.join(member_id, name=cmd.name, business=cmd.business, category=cmd.category,
                          email=cmd.email, phone=cmd.phone, joined_on=joined_on, today=today)
    if cmd.visitor_id is not None:
        visitor = Visitor.load(cmd.visitor_id, await uow.history(f"visitor-{cmd.visitor_id}"))
        if not visitor.exists or visitor.invited is None or visitor.invited.chapter_id != chapter_id:
            raise InvalidField("visitor_id", f"no visitor {cmd.visitor_id} in this chapter")
        became = visitor.become_member(member_id, joined_on, today)
        await uow.record(f"visitor-{cmd.visitor_id}", visitor.version, [became], chapter_id)
    await uow.record(chapter_stream(chapter_id), chapter.version, [joined], chapter_id)
    chapter.apply(joined)
    member = chapter.members[member_id]
    return {**member_body(member), **await _issue(uow, chapter_id, member)}


async def renew(uow: UnitOfWork, chapter_id: str, member_id: str, cmd: Renew) -> Body:
    chapter = await uow.chapter(chapter_id)
    uow.require_leader(chapter)
    chapter.member(member_id)
    event = chapter.renew(member_id, renewed_on=cmd.renewed_on or uow.today(chapter), today=uow.today(chapter))
    await uow.record(chapter_stream(chapter_id), chapter.version, [event], chapter_id)
    chapter.apply(event)
    return member_body(chapter.members[member_id])


async def leave(uow: UnitOfWork, chapter_id: str, member_id: str, cmd: Leave) -> Body:
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
    await uow.record(chapter_stream(chapter_id), chapter.version, [left], chapter_id)
    await uow.record(f"access-{chapter_id}", None, [revoked], chapter_id)
    chapter.apply(left)
    return member_body(chapter.members[member_id])


async def assign_role(uow: UnitOfWork, chapter_id: str, member_id: str, cmd: AssignRole) -> Body:
    """Only the administrator appoints leaders. The member's old tokens (carrying the old role) are
    revoked and a new one is returned."""
    if not uow.principal.is_admin:
        raise Forbidden("only the administrator appoints leaders")
    chapter = await uow.chapter(chapter_id)
    chapter.member(member_id)
    events = chapter.assign_role(member_id, cmd.role)
    if not events:
        raise Conflict(f"member {member_id} already has the role '{cmd.role}'")
    await uow.record(chapter_stream(chapter_id), chapter.version, events, chapter_id)
    for event in events:
        chapter.apply(event)
    changed = [e.member_id for e in events]
    stale = await uow.conn.fetch("SELECT token_id, member_id FROM tokens WHERE member_id = ANY($1::text[])"
                                 " AND revoked_at IS NULL", changed)
    await uow.record(f"access-{chapter_id}", None,
                     [AccessRevoked(chapter_id=chapter_id, member_id=None, token_id=row["token_id"],
                                    reason="role changed") for row in stale], chapter_id)
    return {**member_body(chapter.members[member_id]), **await _issue(uow, chapter_id, chapter.members[member_id])}


async def new_token(uow: UnitOfWork, chapter_id: str, member_id: str) -> Body:
    """A fresh token for an active member (leaders for anyone in the chapter, a member for themselves)."""
    chapter = await uow.chapter(chapter_id)
    member = chapter.member(member_id)
    if uow.principal.member_id != member_id:
        uow.require_leader(chapter)
    if not member.active:
        raise Conflict(f"member {member_id} left the chapter on {member.left_on}")
    issued = await _issue(uow, chapter_id, member)
    return {"member_id": member_id, **issued}


async def revoke_token(uow: UnitOfWork, chapter_id: str, member_id: str, token_id: str, cmd: RevokeToken) -> Body:
    chapter = await uow.chapter(chapter_id)
    chapter.member(member_id)
    if uow.principal.member_id != member_id:
        uow.require_leader(chapter)
    row = await uow.conn.fetchrow("SELECT revoked_at FROM tokens WHERE token_id = $1 AND member_id = $2"
                                  " AND chapter_id = $3", token_id, member_id, chapter_id)
    if row is None:
        raise NotFound(f"no token {token_id} for member {member_id}")
    if row["revoked_at"] is not None:
        raise Conflict(f"token {token_id} was already revoked at "
                       f"{row['revoked_at'].astimezone(UTC).isoformat()}")
    await uow.record(f"access-{chapter_id}", None,
                     [AccessRevoked(chapter_id=chapter_id, token_id=token_id, reason=cmd.reason)], chapter_id)
    return {"member_id": member_id, "token_id": token_id, "revoked": True}
