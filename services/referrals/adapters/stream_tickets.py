"""Tickets for the dashboard's event stream: issued to a leader's bearer token, good for one stream of one
chapter, for a few seconds. Only their SHA-256 is stored (sql/003_stream_tickets.sql): a database read
leaks no usable ticket, and a ticket is unguessable (256 random bits), so no salt or slow hash is needed."""

from __future__ import annotations

import hashlib
import secrets
from typing import cast

import asyncpg

from shared.auth import Principal, Role, is_revoked


def _digest(ticket: str) -> bytes:
    return hashlib.sha256(ticket.encode()).digest()


async def issue(pool: asyncpg.Pool, who: Principal, chapter_id: str, seconds: int) -> str:
    """A fresh ticket for `who` to open `chapter_id`'s stream within `seconds`."""
    ticket = secrets.token_urlsafe(32)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("DELETE FROM stream_tickets WHERE expires_at < now()")
        await conn.execute(
            "INSERT INTO stream_tickets (ticket_hash, chapter_id, member_id, role, home, token_id, expires_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))",
            _digest(ticket), chapter_id, who.member_id, who.role, who.chapter_id, who.token_id, seconds)
    return ticket


async def take(pool: asyncpg.Pool, ticket: str, chapter_id: str) -> Principal | None:
    """Who the ticket was issued to, once: the ticket is deleted as it is read, so a second use (from any
    process) finds nothing. None for an unknown, used, expired or other chapter's ticket, or a token revoked
    since."""
    row = await pool.fetchrow(
        "DELETE FROM stream_tickets WHERE ticket_hash = $1 AND chapter_id = $2"
        " RETURNING member_id, role, home, token_id, expires_at > now() AS valid", _digest(ticket), chapter_id)
    if row is None or not row["valid"]:
        return None
    who = Principal(member_id=row["member_id"], chapter_id=row["home"], role=cast(Role, row["role"]),
                    token_id=row["token_id"])
    if not who.is_admin and await is_revoked(pool, who):
        return None
    return who
