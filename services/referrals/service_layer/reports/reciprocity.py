"""Reciprocity: members' balances, ordered pairs, two-way pairs, nobody refers to, dormant pairs."""

from __future__ import annotations

from datetime import date

from services.referrals.domain.reciprocity import reciprocity_tables
from services.referrals.service_layer.reports.reader import Report, ReportReader

# Both read the daily totals (`adapters/daily_totals`): a window's pairs are the pair-days of its range of
# days, a few hundred narrow rows, instead of every referral and closed business in it.
PAIRS = """SELECT giver_id, receiver_id, sum(referrals)::bigint AS referrals,
                  CASE WHEN sum(valued) > 0 THEN sum(value) ELSE 0 END AS value,
                  max(day) FILTER (WHERE referrals > 0) AS last_on
           FROM pair_days WHERE chapter_id = $1 AND day BETWEEN $2 AND $3
           GROUP BY 1, 2 HAVING sum(referrals) > 0 OR sum(valued) > 0
           ORDER BY 1, 2"""
"""Ordered pairs with referrals or valued closed business in the window (value 0 when none counted)."""

# dormant: pairs with one-to-ones in the window but no referral either way in it, and when they last
# exchanged one (two index descents on the pair-days per such pair)
DORMANT = """WITH o AS (SELECT member_a, member_b, sum(one_to_ones)::bigint AS one_to_ones,
                               max(day) AS last_one_to_one
                        FROM one_to_one_days WHERE chapter_id = $1 AND day BETWEEN $2 AND $3 AND one_to_ones > 0
                        GROUP BY 1, 2),
                  w AS (SELECT DISTINCT giver_id, receiver_id FROM pair_days
                        WHERE chapter_id = $1 AND day BETWEEN $2 AND $3 AND referrals > 0)
             SELECT o.*, greatest(
                 (SELECT max(day) FROM pair_days p WHERE p.chapter_id = $1 AND p.giver_id = o.member_a
                    AND p.receiver_id = o.member_b AND p.day <= $3 AND p.referrals > 0),
                 (SELECT max(day) FROM pair_days p WHERE p.chapter_id = $1 AND p.giver_id = o.member_b
                    AND p.receiver_id = o.member_a AND p.day <= $3 AND p.referrals > 0)
             ) AS last_referral_on
             FROM o LEFT JOIN w ab ON ab.giver_id = o.member_a AND ab.receiver_id = o.member_b
                    LEFT JOIN w ba ON ba.giver_id = o.member_b AND ba.receiver_id = o.member_a
             WHERE ab.giver_id IS NULL AND ba.giver_id IS NULL
             ORDER BY o.member_a, o.member_b"""


async def reciprocity(reader: ReportReader, chapter_id: str, start: date, end: date) -> Report:
    async with reader.snapshot() as conn:
        members = await conn.fetch(
            """SELECT member_id, member_name, business, category FROM members
               WHERE chapter_id = $1 AND (joined_on IS NULL OR joined_on <= $3)
                 AND (left_on IS NULL OR left_on >= $2) ORDER BY member_id""", chapter_id, start, end)
        pairs = await conn.fetch(PAIRS, chapter_id, start, end)
        dormant = await conn.fetch(DORMANT, chapter_id, start, end)
        as_of = await reader.as_of(conn, chapter_id)
    return {"chapter_id": chapter_id, "window": {"from": start, "to": end}, "as_of": as_of,
            **reciprocity_tables(members, pairs, dormant, end)}
