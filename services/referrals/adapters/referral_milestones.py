"""Each referral's status and milestone dates, derived from its whole step history, and its conversion
announced once it is won.

Live batches read the touched referrals' steps and let `domain.milestones` decide. A rebuild derives every
referral at once, in the SQL that merges its staged referrals (`STEPS_DERIVED`, built from the same rule:
`REACHED_BY`, `CLOSED_STATUSES`): a million referrals through Python would cost seconds; the
rebuild-equals-live test holds the two together.
"""

from __future__ import annotations

import asyncpg

from services.referrals.adapters.announcements import emit_events
from services.referrals.adapters.bulk import upsert
from services.referrals.domain.milestones import (
    CLOSED_STATUSES,
    REACHED_BY,
    Step,
    days_to_close,
    days_to_first_contact,
    milestones,
)
from shared.contracts.referrals import ReferralConverted


async def derive(conn: asyncpg.Connection, referral_ids: list[str]) -> None:
    """Status and milestone dates of these referrals from all their steps (so the order steps arrive in
    does not matter). A referral without steps keeps its defaults."""
    steps: dict[str, list[Step]] = {}
    for r in await conn.fetch("SELECT referral_id, to_status, occurred_on, seq FROM referral_steps"
                              " WHERE referral_id = ANY($1::text[])", referral_ids):
        steps.setdefault(r["referral_id"], []).append(Step(r["to_status"], r["occurred_on"], r["seq"]))
    rows = []
    for referral_id, history in steps.items():
        m = milestones(history)
        if m is not None:
            rows.append((referral_id, m.status, m.accepted_on, m.contacted_on, m.won_on, m.closed_on,
                         m.last_step_on))
    await upsert(conn,
        """UPDATE referrals r SET status = s.status, accepted_on = s.accepted_on, contacted_on = s.contacted_on,
               won_on = s.won_on, closed_on = s.closed_on, last_step_on = s.last_step_on
           FROM unnest($1::text[], $2::text[], $3::date[], $4::date[], $5::date[], $6::date[], $7::date[])
               AS s(referral_id, status, accepted_on, contacted_on, won_on, closed_on, last_step_on)
           WHERE r.referral_id = s.referral_id""", rows)


def _first_step_to(statuses: frozenset[str]) -> str:
    listed = ", ".join(f"'{s}'" for s in sorted(statuses))
    return f"min(occurred_on) FILTER (WHERE to_status IN ({listed}))"


STEPS_DERIVED = f"""SELECT referral_id,
           (array_agg(to_status ORDER BY occurred_on DESC, seq DESC))[1] AS status,
           {_first_step_to(REACHED_BY["accepted"])} AS accepted_on,
           {_first_step_to(REACHED_BY["contacted"])} AS contacted_on,
           {_first_step_to(REACHED_BY["won"])} AS won_on,
           {_first_step_to(CLOSED_STATUSES)} AS closed_on,
           max(occurred_on) AS last_step_on
    FROM referral_steps GROUP BY referral_id"""
"""Every referral's status and milestone dates from all its steps (a rebuild's merge of its staged referrals)."""


async def conversions(conn: asyncpg.Connection, referral_ids: list[str], emit: bool) -> None:
    """Mark the won ones among these referrals as announced, and announce them when `emit`."""
    rows = await conn.fetch(
        """UPDATE referrals SET converted_emitted = true
           WHERE referral_id = ANY($1::text[]) AND status = 'won' AND given_on IS NOT NULL
             AND NOT converted_emitted
           RETURNING chapter_id, referral_id, giver_id, receiver_id, referral_type, temperature, given_on,
                     won_on, contacted_on""", referral_ids)
    if not emit or not rows:
        return
    events = [(r["chapter_id"], f"referral-{r['referral_id']}", ReferralConverted(
        chapter_id=r["chapter_id"], referral_id=r["referral_id"], giver_id=r["giver_id"],
        receiver_id=r["receiver_id"], referral_type=r["referral_type"], temperature=r["temperature"],
        given_on=r["given_on"], won_on=r["won_on"], days_to_close=days_to_close(r["given_on"], r["won_on"]),
        days_to_first_contact=days_to_first_contact(r["given_on"], r["contacted_on"]))) for r in rows]
    await emit_events(conn, events, key=_converted_key)


def _converted_key(e: ReferralConverted) -> str:
    return e.referral_id
