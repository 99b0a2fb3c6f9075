"""Queries on the asks read model (see sql/008_asks.sql)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import asyncpg

from shared.contracts.asks import FRESH_DAYS

_ASK = ("a.member_id, m.name, m.business, m.category, a.text, a.asked_on,"
        " a.asked_on < $2::date AS stale")


async def chapter_asks(pool: asyncpg.Pool, chapter_id: str, today: date, include_stale: bool) -> list[dict[str, Any]]:
    """The active members' asks, the newest first; stale ones (older than FRESH_DAYS) only when asked for."""
    since = today - timedelta(days=FRESH_DAYS)
    rows = await pool.fetch(
        f"SELECT {_ASK} FROM asks a JOIN members m USING (member_id) WHERE a.chapter_id = $1"
        " AND a.text IS NOT NULL AND m.left_on IS NULL AND ($3 OR a.asked_on >= $2)"
        " ORDER BY a.asked_on DESC, m.name, a.member_id", chapter_id, since, include_stale)
    return [dict(r) for r in rows]


async def member_ask(pool: asyncpg.Pool, chapter_id: str, member_id: str, today: date) -> dict[str, Any] | None:
    """The member's ask, stale or not; None when they have none."""
    row = await pool.fetchrow(
        f"SELECT {_ASK} FROM asks a JOIN members m USING (member_id) WHERE a.chapter_id = $1 AND a.member_id = $3"
        " AND a.text IS NOT NULL", chapter_id, today - timedelta(days=FRESH_DAYS), member_id)
    return None if row is None else dict(row)
