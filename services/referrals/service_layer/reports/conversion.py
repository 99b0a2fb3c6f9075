"""Conversion by giver, receiver, pair and temperature; the funnel; closed business linked to no referral."""

from __future__ import annotations

from datetime import date

from services.referrals.domain.conversion import conversion_tables
from services.referrals.service_layer.reports.reader import Report, ReportReader

# one query, five groupings: GROUPING(col) is 1 on the lines not grouped by col
GROUPED = """WITH rr AS (
                 SELECT r.*, (SELECT sum(amount) FROM closed_business c WHERE c.referral_id = r.referral_id
                                AND c.amount IS NOT NULL AND c.disputed_on IS NULL) AS value
                 FROM referrals r WHERE r.chapter_id = $1 AND r.given_on BETWEEN $2 AND $3)
             SELECT giver_id, receiver_id, temperature,
                    GROUPING(giver_id) AS g_giver, GROUPING(receiver_id) AS g_receiver,
                    GROUPING(temperature) AS g_temperature,
                    count(*) AS given, count(accepted_on) AS accepted, count(contacted_on) AS contacted,
                    count(*) FILTER (WHERE status = 'won') AS won,
                    count(*) FILTER (WHERE status IN ('lost', 'declined')) AS lost,
                    count(*) FILTER (WHERE status NOT IN ('won', 'lost', 'declined')) AS open,
                    coalesce(sum(value), 0) AS value,
                    round(avg(contacted_on - given_on), 1) AS avg_days_to_contact,
                    round(avg(won_on - given_on) FILTER (WHERE status = 'won'), 1) AS avg_days_to_close
             FROM rr GROUP BY GROUPING SETS ((giver_id), (receiver_id), (giver_id, receiver_id),
                                             (temperature), ())
             ORDER BY 1, 2, 3"""

UNLINKED = """SELECT c.closed_business_id, c.reported_by AS receiver_id, c.thanked_member_id AS giver_id,
                     c.amount, c.business_kind, c.occurred_on, c.referral_id
              FROM closed_business c
              WHERE c.chapter_id = $1 AND c.occurred_on BETWEEN $2 AND $3 AND c.amount IS NOT NULL
                AND (c.referral_id IS NULL
                     OR NOT EXISTS (SELECT 1 FROM referrals r WHERE r.referral_id = c.referral_id
                                    AND r.given_on IS NOT NULL))
              ORDER BY c.occurred_on, c.closed_business_id"""


async def conversion(reader: ReportReader, chapter_id: str, start: date, end: date) -> Report:
    async with reader.snapshot() as conn:
        grouped = await conn.fetch(GROUPED, chapter_id, start, end)
        unlinked = await conn.fetch(UNLINKED, chapter_id, start, end)
        as_of = await reader.as_of(conn, chapter_id)
    return {"chapter_id": chapter_id, "window": {"from": start, "to": end}, "as_of": as_of,
            **conversion_tables(grouped), "unlinked_closed_business": [dict(u) for u in unlinked]}
