"""What the dispatcher reads about the people and chapters of a claim's e-mails, for the whole claim at once:
four queries per claim instead of four per e-mail (a meeting's burst is hundreds of e-mails to a few dozen
members of one chapter)."""

from __future__ import annotations

import json
from collections.abc import Collection

import asyncpg

from services.notifications.domain.preferences import Preferences


async def members(conn: asyncpg.Connection, member_ids: Collection[str]) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch("SELECT * FROM n_members WHERE member_id = ANY($1::text[])", list(member_ids))
    return {r["member_id"]: r for r in rows}


async def chapters(conn: asyncpg.Connection, chapter_ids: Collection[str]) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch("SELECT * FROM n_chapters WHERE chapter_id = ANY($1::text[])", list(chapter_ids))
    return {r["chapter_id"]: r for r in rows}


async def names(conn: asyncpg.Connection, chapter_ids: Collection[str]) -> dict[str, dict[str, str]]:
    """Per chapter, its members' names by id (what a message says instead of an id)."""
    out: dict[str, dict[str, str]] = {c: {} for c in chapter_ids}
    for r in await conn.fetch("SELECT chapter_id, member_id, name FROM n_members WHERE chapter_id = ANY($1::text[])",
                              list(chapter_ids)):
        out[r["chapter_id"]][r["member_id"]] = r["name"]
    return out


async def preferences(conn: asyncpg.Connection, member_ids: Collection[str]) -> dict[str, Preferences]:
    """Only the members who chose something; the others have the defaults."""
    rows = await conn.fetch("SELECT member_id, channels, digest, email_off FROM n_preferences"
                            " WHERE member_id = ANY($1::text[])", list(member_ids))
    return {r["member_id"]: Preferences(channels=json.loads(r["channels"]), digest=r["digest"],
                                        email_off=r["email_off"]) for r in rows}
