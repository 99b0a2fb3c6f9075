"""AskUpdated into `public.member_asks`: the latest ask per member (by members-store sequence), so applying an
event twice, or an older one after a newer one, ends in the same row."""

from __future__ import annotations

from datetime import date

import asyncpg

from services.referrals.adapters.bulk import latest, upsert
from services.referrals.adapters.fact_tables import Touched
from services.referrals.adapters.facts import Fact, day
from services.referrals.domain.asks import Ask


async def ask_updated(conn: asyncpg.Connection, facts: list[Fact], _touched: Touched) -> None:
    rows = latest(((f.data["member_id"], f.data["chapter_id"], f.data.get("text"), day(f.data["asked_on"]),
                    f.sequence) for f in facts), key=lambda r: r[0])
    await upsert(conn,
        """INSERT INTO public.member_asks SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[],
                                                               $5::bigint[])
           ON CONFLICT (member_id) DO UPDATE SET chapter_id = excluded.chapter_id, text = excluded.text,
               asked_on = excluded.asked_on, seq = excluded.seq
           WHERE member_asks.seq <= excluded.seq""", rows)


async def chapter_asks(conn: asyncpg.Connection, chapter_id: str, end: date) -> list[Ask]:
    """The chapter's asks set on or before `end` (stale or not: the domain decides), with the asker's name."""
    rows = await conn.fetch(
        """SELECT a.member_id, m.member_name, a.text, a.asked_on FROM public.member_asks a
             LEFT JOIN members m ON m.member_id = a.member_id
           WHERE a.chapter_id = $1 AND a.text IS NOT NULL AND a.asked_on <= $2
           ORDER BY a.member_id""", chapter_id, end)
    return [Ask(r["member_id"], r["member_name"], r["text"], r["asked_on"]) for r in rows]
