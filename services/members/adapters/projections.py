"""The members service's read models, kept current in the same transaction as each append."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import asyncpg

from services.members.domain.chapter import a_year_after
from shared.contracts.access import AccessRevoked
from shared.contracts.asks import AskUpdated
from shared.contracts.members import (
    AttendanceRecorded,
    CeuRecorded,
    ChapterFounded,
    ClosedBusinessConfirmed,
    ClosedBusinessDisputed,
    ClosedBusinessReported,
    MemberJoined,
    MemberLeft,
    MembershipRenewed,
    OneToOneRecorded,
    ProspectDataErased,
    ReferralGiven,
    ReferralStatusChanged,
    RoleAssigned,
    VisitorApplied,
    VisitorAttended,
    VisitorBecameMember,
    VisitorDataErased,
    VisitorInvited,
    members_events,
)
from shared.event_store import RecordedEvent
from shared.events import DomainEvent

Handler = Callable[[asyncpg.Connection, Any, RecordedEvent], Awaitable[None]]
_handlers: dict[type[DomainEvent], Handler] = {}


def _on(cls: type[DomainEvent]) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _handlers[cls] = fn
        return fn
    return register


def _statement(cls: type[DomainEvent], sql: str, *fields: str) -> None:
    """A read model kept by one statement whose parameters are the event's fields, in order."""

    async def run(conn: asyncpg.Connection, e: Any, _r: RecordedEvent) -> None:
        await conn.execute(sql, *(getattr(e, name) for name in fields))

    _handlers[cls] = run


async def project(conn: asyncpg.Connection, recorded: Sequence[RecordedEvent],
                  decided: Mapping[uuid.UUID, DomainEvent] | None = None) -> None:
    """Update the read models for these events; `decided` are the events as the aggregate made them (by
    event id), so they need not be decoded and validated again."""
    for event in recorded:
        payload = decided.get(event.event_id) if decided else None
        if payload is None:
            payload = members_events.decode(event.type, event.data)
        handler = _handlers.get(type(payload))
        if handler is not None:
            await handler(conn, payload, event)


_statement(ChapterFounded, "INSERT INTO chapters (chapter_id, name, city, region, meeting_weekday, meeting_time,"
           " timezone, currency, founded_on, language) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
           "chapter_id", "chapter_name", "city", "region", "meeting_weekday", "meeting_time", "timezone", "currency",
           "founded_on", "language")


@_on(MemberJoined)
async def _joined(conn: asyncpg.Connection, e: MemberJoined, _r: RecordedEvent) -> None:
    await conn.execute(
        "INSERT INTO members (member_id, chapter_id, name, business, category, email, phone, role, joined_on,"
        " renewed_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        e.member_id, e.chapter_id, e.member_name, e.business, e.category, e.email, e.phone, e.role, e.joined_on,
        a_year_after(e.joined_on))


_statement(MembershipRenewed, "UPDATE members SET renewed_until = $2 WHERE member_id = $1",
           "member_id", "renewed_until")


_statement(MemberLeft, "UPDATE members SET left_on = $2, dropped = $3, leave_reason = $4 WHERE member_id = $1",
           "member_id", "left_on", "dropped", "reason")


_statement(RoleAssigned, "UPDATE members SET role = $2 WHERE member_id = $1", "member_id", "role")


@_on(AccessRevoked)
async def _revoked(conn: asyncpg.Connection, e: AccessRevoked, _r: RecordedEvent) -> None:
    # This service refuses the token at once; the others learn it from the topic.
    await conn.execute("INSERT INTO revocations (member_id, token_id, reason) VALUES ($1, $2, $3)",
                       e.member_id, e.token_id, e.reason)
    if e.token_id is not None:
        await conn.execute("UPDATE tokens SET revoked_at = now() WHERE token_id = $1", e.token_id)
    elif e.member_id is not None:
        await conn.execute("UPDATE tokens SET revoked_at = now() WHERE member_id = $1 AND revoked_at IS NULL",
                           e.member_id)


def _step(status: str, occurred_on: Any, recorded: RecordedEvent, reason: str | None = None) -> str:
    return json.dumps([{"status": status, "occurred_on": str(occurred_on),
                        "recorded_at": recorded.recorded_at.isoformat(), "reason": reason}])


@_on(ReferralGiven)
async def _given(conn: asyncpg.Connection, e: ReferralGiven, r: RecordedEvent) -> None:
    await conn.execute(
        "INSERT INTO referrals (referral_id, chapter_id, giver_id, receiver_id, referral_type, temperature, status,"
        " occurred_on, prospect, steps, version) VALUES ($1, $2, $3, $4, $5, $6, 'given', $7, $8, $9, $10)",
        e.referral_id, e.chapter_id, e.giver_id, e.receiver_id, e.referral_type, e.temperature, e.occurred_on,
        e.prospect.model_dump_json(), _step("given", e.occurred_on, r), r.stream_version)


@_on(ReferralStatusChanged)
async def _status(conn: asyncpg.Connection, e: ReferralStatusChanged, r: RecordedEvent) -> None:
    await conn.execute("UPDATE referrals SET status = $2, steps = steps || $3::jsonb, version = $4"
                       " WHERE referral_id = $1",
                       e.referral_id, e.to_status, _step(e.to_status, e.occurred_on, r, e.reason), r.stream_version)


@_on(ProspectDataErased)
async def _erased(conn: asyncpg.Connection, e: ProspectDataErased, r: RecordedEvent) -> None:
    await conn.execute("UPDATE referrals SET erased = true, version = $2 WHERE referral_id = $1",
                       e.referral_id, r.stream_version)


_statement(ClosedBusinessReported,
           "INSERT INTO closed_business (closed_business_id, chapter_id, reported_by, thanked_member_id, amount,"
           " currency, business_kind, referral_type, referral_id, occurred_on)"
           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
           "closed_business_id", "chapter_id", "reported_by", "thanked_member_id", "amount", "currency",
           "business_kind", "referral_type", "referral_id", "occurred_on")


_statement(ClosedBusinessConfirmed, "UPDATE closed_business SET verdict = 'confirmed', verdict_on = $2"
           " WHERE closed_business_id = $1", "closed_business_id", "occurred_on")


_statement(ClosedBusinessDisputed, "UPDATE closed_business SET verdict = 'disputed', verdict_on = $2,"
           " dispute_reason = $3 WHERE closed_business_id = $1", "closed_business_id", "occurred_on", "reason")


@_on(OneToOneRecorded)
async def _one_to_one(conn: asyncpg.Connection, e: OneToOneRecorded, _r: RecordedEvent) -> None:
    await conn.execute("INSERT INTO one_to_ones VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                       e.one_to_one_id, e.chapter_id, e.member_ids[0], e.member_ids[1], e.mode, e.occurred_on,
                       e.reported_by)


_statement(CeuRecorded, "INSERT INTO ceus VALUES ($1, $2, $3, $4, $5, $6)",
           "ceu_id", "chapter_id", "member_id", "description", "credits", "occurred_on")


@_on(VisitorInvited)
async def _invited(conn: asyncpg.Connection, e: VisitorInvited, _r: RecordedEvent) -> None:
    await conn.execute("INSERT INTO visitors (visitor_id, chapter_id, invited_by, sealed, stage, invited_on)"
                       " VALUES ($1, $2, $3, $4, 'invited', $5)",
                       e.visitor_id, e.chapter_id, e.invited_by, e.visitor.model_dump_json(), e.occurred_on)


# a visitor invited before sealing has its name here in clear: erasure drops it
_statement(VisitorDataErased,
           "UPDATE visitors SET erased = true, name = NULL, business = NULL WHERE visitor_id = $1", "visitor_id")


_statement(VisitorAttended, "UPDATE visitors SET stage = 'attended', attended_on = $2 WHERE visitor_id = $1",
           "visitor_id", "occurred_on")


_statement(VisitorApplied, "UPDATE visitors SET stage = 'applied', applied_on = $2 WHERE visitor_id = $1",
           "visitor_id", "occurred_on")


_statement(VisitorBecameMember, "UPDATE visitors SET stage = 'member', member_id = $2 WHERE visitor_id = $1",
           "visitor_id", "member_id")


_statement(AttendanceRecorded,
           "INSERT INTO attendance VALUES ($1, $2, $3, $4, $5) ON CONFLICT (chapter_id, meeting_date, member_id)"
           " DO UPDATE SET mark = excluded.mark, substitute_name = excluded.substitute_name",
           "chapter_id", "meeting_date", "member_id", "mark", "substitute_name")


_statement(AskUpdated,
           "INSERT INTO asks (member_id, chapter_id, text, asked_on) VALUES ($1, $2, $3, $4) ON CONFLICT (member_id)"
           " DO UPDATE SET text = excluded.text, asked_on = excluded.asked_on, updated_at = now()",
           "member_id", "chapter_id", "text", "asked_on")
