"""The weekly slip report (PALMS): per member, the slips that HAPPENED in a week, and how late they were
recorded. Disputed closed business is left out."""

from __future__ import annotations

from datetime import date

from services.referrals.domain.weekly import LATE_AFTER_DAYS, WeeklyTally
from services.referrals.domain.windows import iso_week
from services.referrals.service_layer.reports.reader import Report, ReportReader

# Every slip that happened in [$2, $3], with the day (chapter time) it was recorded.
SLIPS = """
WITH s AS (
    SELECT 'referral' AS kind, referral_id AS slip_id, giver_id AS member_id, receiver_id AS other_id,
           given_on AS occurred_on, recorded_at, referral_type, NULL::numeric AS amount, NULL::int AS credits,
           NULL::text AS mark
    FROM referrals WHERE chapter_id = $1 AND given_on BETWEEN $2 AND $3
    UNION ALL
    SELECT 'closed-business', closed_business_id, reported_by, thanked_member_id, occurred_on, recorded_at,
           referral_type, amount, NULL, NULL
    FROM closed_business WHERE chapter_id = $1 AND occurred_on BETWEEN $2 AND $3 AND amount IS NOT NULL
      AND disputed_on IS NULL
    UNION ALL
    SELECT 'one-to-one', one_to_one_id, member_a, member_b, occurred_on, recorded_at, NULL, NULL, NULL, NULL
    FROM one_to_ones WHERE chapter_id = $1 AND occurred_on BETWEEN $2 AND $3
    UNION ALL
    SELECT 'ceu', ceu_id, member_id, NULL, occurred_on, recorded_at, NULL, NULL, credits, NULL
    FROM ceus WHERE chapter_id = $1 AND occurred_on BETWEEN $2 AND $3
    UNION ALL
    SELECT 'attendance', member_id || '@' || meeting_date, member_id, NULL, meeting_date, recorded_at, NULL, NULL,
           NULL, mark
    FROM attendance WHERE chapter_id = $1 AND meeting_date BETWEEN $2 AND $3
    UNION ALL
    SELECT 'visitor-invited', visitor_id, invited_by, NULL, invited_on, invited_recorded_at, NULL, NULL, NULL, NULL
    FROM visitors WHERE chapter_id = $1 AND invited_on BETWEEN $2 AND $3
    UNION ALL
    SELECT 'visitor-attended', visitor_id, invited_by, NULL, attended_on, attended_recorded_at, NULL, NULL, NULL,
           NULL
    FROM visitors WHERE chapter_id = $1 AND attended_on BETWEEN $2 AND $3)
SELECT s.*, (s.recorded_at AT TIME ZONE coalesce(
           (SELECT timezone FROM chapters WHERE chapter_id = $1), 'UTC'))::date AS recorded_on
FROM s ORDER BY s.occurred_on, s.kind, s.slip_id"""


async def weekly(reader: ReportReader, chapter_id: str, start: date, end: date) -> Report:
    """The week [start, end]; see `WeeklyTally` for whose row a slip counts in."""
    async with reader.snapshot() as conn:
        members = await conn.fetch(
            """SELECT member_id, member_name, business FROM members
               WHERE chapter_id = $1 AND (joined_on IS NULL OR joined_on <= $3)
                 AND (left_on IS NULL OR left_on >= $2)""", chapter_id, start, end)
        slips = await conn.fetch(SLIPS, chapter_id, start, end)
        as_of = await reader.as_of(conn, chapter_id)
    tally = WeeklyTally(members)
    for slip in slips:
        tally.add(slip)
    return {"chapter_id": chapter_id, "week": {"from": start, "to": end, "iso_week": iso_week(start)},
            "late_after_days": LATE_AFTER_DAYS, "as_of": as_of, **tally.tables(chapter_id)}
