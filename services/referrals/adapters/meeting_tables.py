"""What happens around the weekly meeting into its fact tables: attendance, one-to-ones, CEUs, visitors."""

from __future__ import annotations

import asyncpg

from services.referrals.adapters.bulk import latest, upsert
from services.referrals.adapters.fact_tables import Handler, Touched
from services.referrals.adapters.facts import Fact, day, moment


async def attendance_recorded(conn: asyncpg.Connection, facts: list[Fact], touched: Touched) -> None:
    rows = latest(((f.data["member_id"], day(f.data["meeting_date"]), f.data["chapter_id"], f.data["mark"],
                    f.sequence, moment(f.time)) for f in facts), key=lambda r: (r[0], r[1]), seq_index=4)
    touched.members.update(r[0] for r in rows)
    await upsert(conn,
        """INSERT INTO attendance (member_id, meeting_date, chapter_id, mark, seq, recorded_at)
           SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::bigint[],
               $6::timestamptz[])
           ON CONFLICT (member_id, meeting_date) DO UPDATE SET mark = excluded.mark, seq = excluded.seq,
               recorded_at = excluded.recorded_at
           WHERE attendance.seq < excluded.seq""", rows)


async def one_to_one_recorded(conn: asyncpg.Connection, facts: list[Fact], touched: Touched) -> None:
    rows = []
    for f in facts:
        a, b = sorted(f.data["member_ids"])
        rows.append((f.data["one_to_one_id"], f.data["chapter_id"], a, b, f.data["mode"],
                     day(f.data["occurred_on"]), moment(f.time), f.data.get("reported_by"),
                     f.data.get("recorded_by"), f.sequence))
        touched.members.update((a, b))
    rows = latest(rows, key=lambda r: r[0])
    await upsert(conn,
        """INSERT INTO one_to_ones (one_to_one_id, chapter_id, member_a, member_b, mode, occurred_on, recorded_at,
                                    reported_by, recorded_by)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[],
               $7::timestamptz[], $8::text[], $9::text[]) ON CONFLICT (one_to_one_id) DO NOTHING""",
        [r[:9] for r in rows])


async def ceu_recorded(conn: asyncpg.Connection, facts: list[Fact], touched: Touched) -> None:
    rows = latest(((f.data["ceu_id"], f.data["chapter_id"], f.data["member_id"], int(f.data.get("credits", 1)),
                    day(f.data["occurred_on"]), moment(f.time), f.data.get("recorded_by"), f.sequence)
                   for f in facts), key=lambda r: r[0])
    touched.members.update(r[2] for r in rows)
    await upsert(conn,
        """INSERT INTO ceus (ceu_id, chapter_id, member_id, credits, occurred_on, recorded_at, recorded_by)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::date[], $6::timestamptz[],
               $7::text[])
           ON CONFLICT (ceu_id) DO NOTHING""", [r[:7] for r in rows])


def visitor_step(column: str) -> Handler:
    """A visitor's step (invited, attended, applied, became member): its day into `column`. The visitor's name
    is not kept: it is sealed personal data, which only the members service opens (and erases)."""
    recorded = column.removesuffix("_on") + "_recorded_at"
    # the step's recorded time goes with its (earliest) day; on a tie, the earliest recorded time
    sql = f"""INSERT INTO visitors (visitor_id, chapter_id, invited_by, {column}, member_id, {recorded})
              SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::text[], $6::timestamptz[])
              ON CONFLICT (visitor_id) DO UPDATE SET
                  {column} = least(visitors.{column}, excluded.{column}),
                  {recorded} = CASE
                      WHEN visitors.{column} IS NULL OR excluded.{column} < visitors.{column}
                          THEN excluded.{recorded}
                      WHEN excluded.{column} = visitors.{column} THEN least(visitors.{recorded}, excluded.{recorded})
                      ELSE visitors.{recorded} END,
                  member_id = coalesce(excluded.member_id, visitors.member_id)"""

    async def step(conn: asyncpg.Connection, facts: list[Fact], touched: Touched) -> None:
        rows = latest(((f.data["visitor_id"], f.data["chapter_id"], f.data["invited_by"],
                        day(f.data["occurred_on"]), f.data.get("member_id"), moment(f.time), f.sequence)
                       for f in facts), key=lambda r: r[0])
        touched.members.update(r[2] for r in rows)
        await upsert(conn, sql, [r[:6] for r in rows])

    return step
