"""The members service's read models, kept current in the same transaction as each append."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import asyncpg

from services.members.domain.chapter import a_year_after
from shared.contracts.access import AccessRevoked
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


@_on(ChapterFounded)
async def _chapter(conn: asyncpg.Connection, e: ChapterFounded, _r: RecordedEvent) -> None:
    await conn.execute(
        "INSERT INTO chapters VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        e.chapter_id, e.chapter_name, e.city, e.region, e.meeting_weekday, e.meeting_time, e.timezone, e.currency,
        e.founded_on)


@_on(MemberJoined)
async def _joined(conn: asyncpg.Connection, e: MemberJoined, _r: RecordedEvent) -> None:
    await conn.execute(
        "INSERT INTO members (member_id, chapter_id, name, business, category, email, phone, role, joined_on,"
        " renewed_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        e.member_id, e.chapter_id, e.member_name, e.business, e.category, e.email, e.phone, e.role, e.joined_on,
        a_year_after(e.joined_on))


@_on(MembershipRenewed)
async def _renewed(conn: asyncpg.Connection, e: MembershipRenewed, _r: RecordedEvent) -> None:
    await conn.execute("UPDATE members SET renewed_until = $2 WHERE member_id = $1", e.member_id, e.renewed_until)


@_on(MemberLeft)
async def _left(conn: asyncpg.Connection, e: MemberLeft, _r: RecordedEvent) -> None:
    await conn.execute("UPDATE members SET left_on = $2, dropped = $3, leave_reason = $4 WHERE member_id = $1",
                       e.member_id, e.left_on, e.dropped, e.reason)


@_on(RoleAssigned)
async def _role(conn: asyncpg.Connection, e: RoleAssigned, _r: RecordedEvent) -> None:
    await conn.execute("UPDATE members SET role = $2 WHERE member_id = $1", e.member_id, e.role)


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


@_on(ClosedBusinessReported)
async def _tyfcb(conn: asyncpg.Connection, e: ClosedBusinessReported, _r: RecordedEvent) -> None:
    await conn.execute(
        "INSERT INTO closed_business (closed_business_id, chapter_id, reported_by, thanked_member_id, amount,"
        " currency, business_kind, referral_type, referral_id, occurred_on)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        e.closed_business_id, e.chapter_id, e.reported_by, e.thanked_member_id, e.amount, e.currency,
        e.business_kind, e.referral_type, e.referral_id, e.occurred_on)


@_on(ClosedBusinessConfirmed)
async def _confirmed(conn: asyncpg.Connection, e: ClosedBusinessConfirmed, _r: RecordedEvent) -> None:
    await conn.execute("UPDATE closed_business SET verdict = 'confirmed', verdict_on = $2"
                       " WHERE closed_business_id = $1", e.closed_business_id, e.occurred_on)


@_on(ClosedBusinessDisputed)
async def _disputed(conn: asyncpg.Connection, e: ClosedBusinessDisputed, _r: RecordedEvent) -> None:
    await conn.execute("UPDATE closed_business SET verdict = 'disputed', verdict_on = $2, dispute_reason = $3"
                       " WHERE closed_business_id = $1", e.closed_business_id, e.occurred_on, e.reason)


@_on(OneToOneRecorded)
async def _one_to_one(conn: asyncpg.Connection, e: OneToOneRecorded, _r: RecordedEvent) -> None:
    await conn.execute("INSERT INTO one_to_ones VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                       e.one_to_one_id, e.chapter_id, e.member_ids[0], e.member_ids[1], e.mode, e.occurred_on,
                       e.reported_by)


@_on(CeuRecorded)
async def _ceu(conn: asyncpg.Connection, e: CeuRecorded, _r: RecordedEvent) -> None:
    await conn.execute("INSERT INTO ceus VALUES ($1, $2, $3, $4, $5, $6)",
                       e.ceu_id, e.chapter_id, e.member_id, e.description, e.credits, e.occurred_on)


@_on(VisitorInvited)
async def _invited(conn: asyncpg.Connection, e: VisitorInvited, _r: RecordedEvent) -> None:
    await conn.execute("INSERT INTO visitors (visitor_id, chapter_id, invited_by, name, business, stage, invited_on)"
                       " VALUES ($1, $2, $3, $4, $5, 'invited', $6)",
                       e.visitor_id, e.chapter_id, e.invited_by, e.visitor_name, e.business, e.occurred_on)


@_on(VisitorAttended)
async def _visited(conn: asyncpg.Connection, e: VisitorAttended, _r: RecordedEvent) -> None:
    await conn.execute("UPDATE visitors SET stage = 'attended', attended_on = $2 WHERE visitor_id = $1",
                       e.visitor_id, e.occurred_on)


@_on(VisitorApplied)
async def _applied(conn: asyncpg.Connection, e: VisitorApplied, _r: RecordedEvent) -> None:
    await conn.execute("UPDATE visitors SET stage = 'applied', applied_on = $2 WHERE visitor_id = $1",
                       e.visitor_id, e.occurred_on)


@_on(VisitorBecameMember)
async def _became(conn: asyncpg.Connection, e: VisitorBecameMember, _r: RecordedEvent) -> None:
    await conn.execute("UPDATE visitors SET stage = 'member', member_id = $2 WHERE visitor_id = $1",
                       e.visitor_id, e.member_id)


@_on(AttendanceRecorded)
async def _attendance(conn: asyncpg.Connection, e: AttendanceRecorded, _r: RecordedEvent) -> None:
    await conn.execute(
        "INSERT INTO attendance VALUES ($1, $2, $3, $4, $5) ON CONFLICT (chapter_id, meeting_date, member_id)"
        " DO UPDATE SET mark = excluded.mark, substitute_name = excluded.substitute_name",
        e.chapter_id, e.meeting_date, e.member_id, e.mark, e.substitute_name)
