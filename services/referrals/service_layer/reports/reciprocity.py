"""Reciprocity: members' balances, ordered pairs, two-way pairs, nobody refers to, dormant pairs."""

from __future__ import annotations

from datetime import date

from services.referrals.domain.reciprocity import reciprocity_tables
from services.referrals.service_layer.reports.reader import CLOSED_BUSINESS_VALUES, Report, ReportReader

PAIRS = f"""WITH r AS (SELECT giver_id, receiver_id, count(*) AS referrals, max(given_on) AS last_on
                       FROM referrals WHERE chapter_id = $1 AND given_on BETWEEN $2 AND $3 GROUP BY 1, 2),
                 v AS (SELECT giver_id, receiver_id, sum(amount) AS value
                       FROM ({CLOSED_BUSINESS_VALUES}) cb GROUP BY 1, 2)
            SELECT coalesce(r.giver_id, v.giver_id) AS giver_id,
                   coalesce(r.receiver_id, v.receiver_id) AS receiver_id,
                   coalesce(r.referrals, 0) AS referrals, coalesce(v.value, 0) AS value, r.last_on
            FROM r FULL JOIN v ON r.giver_id = v.giver_id AND r.receiver_id = v.receiver_id
            ORDER BY 1, 2"""

# dormant: pairs with one-to-ones in the window but no referral either way in it, and when they last
# exchanged one (two index descents on referrals_pair_idx per such pair)
DORMANT = """WITH o AS (SELECT member_a, member_b, count(*) AS one_to_ones, max(occurred_on) AS last_one_to_one
                        FROM one_to_ones WHERE chapter_id = $1 AND occurred_on BETWEEN $2 AND $3
                        GROUP BY 1, 2),
                  w AS (SELECT DISTINCT giver_id, receiver_id FROM referrals
                        WHERE chapter_id = $1 AND given_on BETWEEN $2 AND $3)
             SELECT o.*, greatest(
                 (SELECT max(given_on) FROM referrals r WHERE r.giver_id = o.member_a
                    AND r.receiver_id = o.member_b AND r.given_on <= $3 AND r.chapter_id = $1),
                 (SELECT max(given_on) FROM referrals r WHERE r.giver_id = o.member_b
                    AND r.receiver_id = o.member_a AND r.given_on <= $3 AND r.chapter_id = $1)
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
