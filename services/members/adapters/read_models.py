"""Queries on the members service's own read models (never on the event streams)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import asyncpg

from services.members.adapters import prospect_keys
from shared.clock import SIX_MONTHS
from shared.contracts.members import SealedData

Row = dict[str, Any]


def _row(record: asyncpg.Record | None) -> Row | None:
    return None if record is None else dict(record)


async def chapter(conn: asyncpg.Pool, chapter_id: str) -> Row | None:
    return _row(await conn.fetchrow("SELECT * FROM chapters WHERE chapter_id = $1", chapter_id))


async def member_role(conn: asyncpg.Pool, chapter_id: str, member_id: str | None) -> str | None:
    """The member's role as the roster has it now (None for a departed or unknown member)."""
    role = await conn.fetchval("SELECT role FROM members WHERE chapter_id = $1 AND member_id = $2"
                               " AND left_on IS NULL", chapter_id, member_id)
    return None if role is None else str(role)


_MEMBER = ("member_id, name, business, category, email, phone, role, joined_on, renewed_until, left_on, dropped,"
           " left_on IS NULL AS active")


async def members(conn: asyncpg.Pool, chapter_id: str, include_former: bool) -> list[Row]:
    rows = await conn.fetch(f"SELECT {_MEMBER} FROM members WHERE chapter_id = $1"
                            + ("" if include_former else " AND left_on IS NULL") + " ORDER BY joined_on, name",
                            chapter_id)
    return [dict(r) for r in rows]


async def member(conn: asyncpg.Pool, chapter_id: str, member_id: str, today: date) -> Row | None:
    found = _row(await conn.fetchrow(f"SELECT {_MEMBER} FROM members WHERE chapter_id = $1 AND member_id = $2",
                                     chapter_id, member_id))
    if found is None:
        return None
    since = today - SIX_MONTHS
    counts = await conn.fetchrow(
        """SELECT
             (SELECT count(*) FROM attendance WHERE member_id = $1 AND mark = 'A'
                AND meeting_date > $2 AND meeting_date <= $3) AS absences_last_six_months,
             (SELECT count(*) FROM referrals WHERE giver_id = $1) AS referrals_given,
             (SELECT count(*) FROM referrals WHERE receiver_id = $1) AS referrals_received,
             (SELECT count(*) FROM one_to_ones WHERE member_a = $1 OR member_b = $1) AS one_to_ones,
             (SELECT coalesce(sum(credits), 0) FROM ceus WHERE member_id = $1) AS ceu_credits,
             (SELECT count(*) FROM visitors WHERE invited_by = $1) AS visitors_invited""",
        member_id, since, today)
    return {**found, **dict(counts)}


def _sealed(raw: Any) -> SealedData:
    return SealedData.model_validate(json.loads(raw) if isinstance(raw, str) else raw)


async def referral(conn: asyncpg.Pool, chapter_id: str, referral_id: str, *, decrypt: bool) -> Row | None:
    found = _row(await conn.fetchrow("SELECT * FROM referrals WHERE chapter_id = $1 AND referral_id = $2",
                                     chapter_id, referral_id))
    if found is None:
        return None
    sealed = _sealed(found["prospect"])
    found["steps"] = json.loads(found["steps"])
    found["prospect"] = await prospect_keys.unseal(conn, sealed) if decrypt and not found["erased"] else None
    found["prospect_erased"] = found["erased"]
    del found["erased"]
    return found


async def referrals(conn: asyncpg.Pool, chapter_id: str, party: str | None) -> list[Row]:
    """The chapter's referrals without prospect data (for one member: those they gave or received)."""
    rows = await conn.fetch(
        "SELECT referral_id, giver_id, receiver_id, referral_type, temperature, status, occurred_on, erased"
        " AS prospect_erased FROM referrals WHERE chapter_id = $1 AND ($2::text IS NULL OR giver_id = $2"
        " OR receiver_id = $2) ORDER BY occurred_on, referral_id", chapter_id, party)
    return [dict(r) for r in rows]


async def closed_business(conn: asyncpg.Pool, chapter_id: str, closed_business_id: str | None = None) -> list[Row]:
    rows = await conn.fetch("SELECT * FROM closed_business WHERE chapter_id = $1"
                            " AND ($2::text IS NULL OR closed_business_id = $2) ORDER BY occurred_on",
                            chapter_id, closed_business_id)
    return [{**dict(r), "amount": str(r["amount"])} for r in rows]


async def one_to_ones(conn: asyncpg.Pool, chapter_id: str) -> list[Row]:
    rows = await conn.fetch("SELECT * FROM one_to_ones WHERE chapter_id = $1 ORDER BY occurred_on", chapter_id)
    return [dict(r) for r in rows]


async def ceus(conn: asyncpg.Pool, chapter_id: str) -> list[Row]:
    rows = await conn.fetch("SELECT * FROM ceus WHERE chapter_id = $1 ORDER BY occurred_on", chapter_id)
    return [dict(r) for r in rows]


async def visitors(conn: asyncpg.Pool, chapter_id: str) -> list[Row]:
    """The chapter's visitors, their name and business unsealed (None once erased: `visitor_erased`)."""
    rows = [dict(r) for r in await conn.fetch("SELECT * FROM visitors WHERE chapter_id = $1"
                                              " ORDER BY invited_on, visitor_id", chapter_id)]
    sealed = [(row, _sealed(row["sealed"])) for row in rows if row["sealed"] is not None]
    opened = await prospect_keys.unseal_all(conn, [s for _, s in sealed], table="visitor_keys")
    for (row, _), data in zip(sealed, opened, strict=True):
        row["name"], row["business"] = (data["name"], data["business"]) if data else (None, None)
        row["email"] = data.get("email") if data else None  # a visitor who registered themself gave one
    for row in rows:
        row.setdefault("email", None)
        del row["sealed"]  # a visitor invited before sealing keeps the name projected then, until erased
        row["visitor_erased"] = row.pop("erased")
    return rows


async def attendance(conn: asyncpg.Pool, chapter_id: str, meeting_date: date) -> list[Row]:
    rows = await conn.fetch("SELECT member_id, mark, substitute_name FROM attendance WHERE chapter_id = $1"
                            " AND meeting_date = $2 ORDER BY member_id", chapter_id, meeting_date)
    return [dict(r) for r in rows]
