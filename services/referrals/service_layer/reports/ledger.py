"""The referral ledger: every referral of the window with its milestones, value and step history."""

from __future__ import annotations

from datetime import date

from services.referrals.service_layer.reports.reader import Report, ReportReader

LEDGER = """SELECT r.referral_id, r.given_on, r.giver_id, r.receiver_id, r.recorded_by, r.referral_type, r.temperature,
                   r.status, r.accepted_on, r.contacted_on, r.won_on, r.closed_on,
                   r.contacted_on - r.given_on AS days_to_contact,
                   CASE WHEN r.status = 'won' THEN r.won_on - r.given_on END AS days_to_close,
                   (SELECT coalesce(sum(amount), 0) FROM closed_business c WHERE c.referral_id = r.referral_id
                      AND c.amount IS NOT NULL AND c.disputed_on IS NULL) AS closed_business_value,
                   (SELECT string_agg(closed_business_id, ' ' ORDER BY closed_business_id)
                      FROM closed_business c WHERE c.referral_id = r.referral_id) AS closed_business_ids,
                   (SELECT string_agg(to_status || '@' || occurred_on, ' ' ORDER BY occurred_on, seq)
                      FROM referral_steps s WHERE s.referral_id = r.referral_id) AS history
            FROM referrals r
            WHERE r.chapter_id = $1 AND r.given_on BETWEEN $2 AND $3
              AND ($4::text IS NULL OR r.giver_id = $4 OR r.receiver_id = $4)
              AND ($5::text IS NULL OR r.giver_id = $5) AND ($6::text IS NULL OR r.receiver_id = $6)
              AND ($7::text IS NULL OR r.status = $7) AND ($8::text IS NULL OR r.referral_type = $8)
              AND ($9::int IS NULL OR r.temperature = $9)
            ORDER BY r.given_on, r.referral_id LIMIT $10 OFFSET $11"""


async def ledger(reader: ReportReader, chapter_id: str, start: date, end: date, *, member_id: str | None = None,
                 giver_id: str | None = None, receiver_id: str | None = None, status: str | None = None,
                 referral_type: str | None = None, temperature: int | None = None,
                 limit: int = 500, offset: int = 0) -> Report:
    """`member_id`: the referrals they gave or received; the other filters narrow further."""
    async with reader.snapshot() as conn:
        rows = await conn.fetch(LEDGER, chapter_id, start, end, member_id, giver_id, receiver_id, status,
                                referral_type, temperature, limit, offset)
        as_of = await reader.as_of(conn, chapter_id)
    return {"chapter_id": chapter_id, "window": {"from": start, "to": end}, "as_of": as_of,
            "referrals": [dict(r) for r in rows]}
