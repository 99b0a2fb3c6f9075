"""Passwordless sign-in and sessions: e-mailed one-time codes, short-lived access tokens, rotating refresh
tokens.

- A sign-in link holds a one-time code (stored as a hash only, valid `code_minutes`, 15; a welcome link
  `welcome_hours`, 72), recorded as `SignInLinkRequested` with the link sealed for the notifications service.
- Exchanging the code opens a session: an access token (`access_seconds`, 15 minutes) carrying the session
  id, and a refresh token (stored as a hash, valid `refresh_days` from its issue, 60) used once: refreshing
  rotates it. Presenting an already rotated refresh token again means someone copied it: the whole session
  is revoked everywhere (`AccessRevoked` with the session id as `token_id`).
- No one receives a token for somebody else: leaders sign members out, never in. Only the administrator
  may open a session for a member without a code (bootstrapping, the demo).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from services.members.domain.errors import Conflict, Forbidden, NotFound
from services.members.service_layer.unit_of_work import SessionRow, UnitOfWork
from shared.auth import Role, issue_token
from shared.contracts.access import AccessRevoked, SignInLinkRequested
from shared.settings import Settings
from shared.sign_in_links import seal_link

MAX_OPEN_CODES = 5
"""Sign-in links of one member still usable at once: more requests send nothing (and answer the same)."""
Purpose = Literal["sign-in", "welcome"]


@dataclass(frozen=True)
class SignInPolicy:
    keys: Sequence[str]
    access_seconds: int
    refresh_days: float
    code_minutes: float
    welcome_hours: float
    public_url: str

    @classmethod
    def of(cls, settings: Settings) -> SignInPolicy:
        return cls(keys=settings.token_keys, access_seconds=max(1, round(settings.access_token_minutes * 60)),
                   refresh_days=settings.refresh_token_days, code_minutes=settings.sign_in_code_minutes,
                   welcome_hours=settings.welcome_code_hours, public_url=settings.members_public_url.rstrip("/"))


@dataclass(frozen=True)
class Issued:
    """A session's new access and refresh tokens: answered only to the member who signed in."""

    session_id: str
    chapter_id: str
    member_id: str
    role: str
    access_token: str
    access_seconds: int
    refresh_token: str
    refresh_expires_at: datetime


def digest(secret: str) -> bytes:
    """What is stored of a code or refresh token: both are 256 random bits, so one SHA-256 suffices."""
    return hashlib.sha256(b"refnet sign-in:" + secret.encode()).digest()


async def send_link(uow: UnitOfWork, policy: SignInPolicy, *, chapter_id: str, member_id: str,
                    purpose: Purpose) -> SignInLinkRequested | None:
    """Record a link with a fresh code for the member to be e-mailed (none while too many are open)."""
    now = uow.clock()
    if await uow.sessions.open_codes(member_id, now) >= MAX_OPEN_CODES:
        return None
    code = secrets.token_urlsafe(32)
    lifetime = timedelta(minutes=policy.code_minutes) if purpose == "sign-in" else timedelta(hours=policy.welcome_hours)
    await uow.sessions.add_code(digest(code), chapter_id, member_id, purpose, now + lifetime)
    event = SignInLinkRequested(chapter_id=chapter_id, member_id=member_id, purpose=purpose,
                                link=seal_link(policy.keys, f"{policy.public_url}/app/sign-in#code={code}"),
                                expires_at=now + lifetime)
    await uow.access.add(chapter_id, [event])
    return event


async def request_sign_in(email: str, uow: UnitOfWork, policy: SignInPolicy) -> int:
    """A link for each active membership of the address (usually one); the caller is never told how many."""
    sent = 0
    for chapter_id, member_id in await uow.sessions.members_by_email(email.strip()):
        sent += await send_link(uow, policy, chapter_id=chapter_id, member_id=member_id,
                                purpose="sign-in") is not None
    return sent


async def exchange(code: str, device: str | None, uow: UnitOfWork, policy: SignInPolicy) -> Issued | None:
    """A new session for the code's member; None for an unknown, used or expired code, or a former member."""
    used = await uow.sessions.use_code(digest(code), uow.clock())
    if used is None:
        return None
    chapter_id, member_id = used
    role = await uow.sessions.active_role(chapter_id, member_id)
    if role is None:
        return None
    return await _open(uow, policy, chapter_id, member_id, role, device)


async def refresh(token: str, uow: UnitOfWork, policy: SignInPolicy) -> Issued | None:
    """The session's next tokens; None when refused. A rotated token presented again revokes its session."""
    now = uow.clock()
    found = await uow.sessions.refresh_token(digest(token))
    if found is None or found.session.revoked_at is not None:
        return None
    session = found.session
    if found.rotated_at is not None:
        await end_sessions(uow, session.chapter_id, [session.session_id],
                           "refresh token used twice: the session was signed out everywhere")
        return None
    role = await uow.sessions.active_role(session.chapter_id, session.member_id)
    if found.expires_at <= now or role is None:
        return None
    await uow.sessions.rotate(digest(token), session.session_id, now, now + timedelta(days=policy.refresh_days))
    return await _issue(uow, policy, session.session_id, session.chapter_id, session.member_id, role)


async def open_session(uow: UnitOfWork, policy: SignInPolicy, *, chapter_id: str, member_id: str,
                       device: str | None) -> Issued:
    """A session opened without a code: by the member themself (another device, an API client), or by the
    administrator for bootstrapping and the demo. A leader never opens one for someone else."""
    if not (uow.principal.is_admin or uow.principal.member_id == member_id):
        raise Forbidden("a session is opened by its member (sign in by e-mail), never for them by someone else")
    chapter = await uow.chapter(chapter_id)
    member = chapter.member(member_id)
    if not member.active:
        raise Conflict(f"member {member_id} left the chapter on {member.left_on}")
    return await _open(uow, policy, chapter_id, member_id, member.role, device)


async def sessions_of_caller(uow: UnitOfWork) -> list[SessionRow]:
    if uow.principal.member_id is None:
        raise Forbidden("sessions belong to members; the administrator has none")
    return await uow.sessions.open_sessions(uow.principal.member_id, uow.clock())


async def sign_out_own(uow: UnitOfWork, session_id: str | None) -> int:
    """End one of the caller's sessions (or all of them, `session_id` None): refused everywhere in seconds."""
    sessions = await sessions_of_caller(uow)
    chosen = [s for s in sessions if session_id is None or s.session_id == session_id]
    if session_id is not None and not chosen:
        raise NotFound(f"no open session {session_id}")
    if chosen:
        await end_sessions(uow, chosen[0].chapter_id, [s.session_id for s in chosen], "signed out")
    return len(chosen)


async def sign_out_member(uow: UnitOfWork, *, chapter_id: str, member_id: str) -> int:
    """A leader (or the administrator) signs a member out everywhere; the member may sign in again."""
    chapter = await uow.chapter(chapter_id)
    chapter.member(member_id)
    if uow.principal.member_id != member_id:
        uow.require_leader(chapter)
    sessions = await uow.sessions.open_sessions(member_id, uow.clock())
    await end_sessions(uow, chapter_id, [s.session_id for s in sessions], "signed out by the chapter's leaders")
    return len(sessions)


async def end_sessions(uow: UnitOfWork, chapter_id: str, session_ids: Sequence[str], reason: str) -> None:
    if session_ids:
        await uow.access.add(chapter_id, [AccessRevoked(chapter_id=chapter_id, token_id=s, reason=reason)
                                          for s in session_ids])


async def _open(uow: UnitOfWork, policy: SignInPolicy, chapter_id: str, member_id: str, role: str,
                device: str | None) -> Issued:
    session_id = f"s-{uuid.uuid4().hex}"
    now = uow.clock()
    await uow.sessions.open(session_id, chapter_id, member_id, role, device, now,
                            now + timedelta(days=policy.refresh_days))
    return await _issue(uow, policy, session_id, chapter_id, member_id, role)


async def _issue(uow: UnitOfWork, policy: SignInPolicy, session_id: str, chapter_id: str, member_id: str,
                 role: str) -> Issued:
    refresh_token = secrets.token_urlsafe(32)
    expires_at = uow.clock() + timedelta(days=policy.refresh_days)
    await uow.sessions.add_refresh(digest(refresh_token), session_id, expires_at)
    access = issue_token(policy.keys, member_id=member_id, chapter_id=chapter_id, role=_role(role),
                         session_id=session_id, ttl_seconds=policy.access_seconds)
    return Issued(session_id, chapter_id, member_id, role, access, policy.access_seconds, refresh_token, expires_at)


def _role(role: str) -> Role:
    assert role in ("president", "vice-president", "secretary", "member"), role
    return role  # type: ignore[return-value]
