"""A rebuild's staging of the upserted fact tables (referrals, closed business): during the replay their rows
are COPYed, with their store positions, into unkeyed, unlogged tables of the new generation (no conflict
check, no index, no WAL), and merged once at the end, with set-based SQL that keeps the live upserts' rules:

- a referral: its latest `ReferralGiven` (by store position); without one, the stub its first status step
  made (chapter, giver, receiver); status and milestones derived from all its steps (`STEPS_DERIVED`, the
  rule the live `domain.milestones` follows), its conversion marked as announced when won;
- a closed business: its latest report, and the day of its latest confirmation and dispute, each in its own
  column (a mark without a report leaves the report's columns empty, as the live upserts do).

The merged rows go into the generation's real tables in one INSERT each (logged), before the swap: a rebuild
killed, or a PostgreSQL crashed (which empties unlogged tables), before the swap leaves an unswapped generation
that the next rebuild drops and starts afresh. The rebuild-equals-live test holds merge and upserts together.
"""

from __future__ import annotations

import asyncpg

from services.referrals.adapters.referral_milestones import STEPS_DERIVED

STAGED: dict[str, str] = {
    "referrals_given": "referral_id TEXT, chapter_id TEXT, giver_id TEXT, receiver_id TEXT, referral_type TEXT,"
                       " temperature INT, given_on DATE, seq BIGINT, recorded_at TIMESTAMPTZ, recorded_by TEXT",
    "referral_stubs": "referral_id TEXT, chapter_id TEXT, giver_id TEXT, receiver_id TEXT, seq BIGINT",
    "closed_business_reported": "closed_business_id TEXT, chapter_id TEXT, reported_by TEXT,"
                                " thanked_member_id TEXT, amount NUMERIC(16, 2), currency TEXT, business_kind TEXT,"
                                " referral_type TEXT, referral_id TEXT, occurred_on DATE, recorded_at TIMESTAMPTZ,"
                                " recorded_by TEXT, seq BIGINT",
    "closed_business_confirmed_on": "closed_business_id TEXT, chapter_id TEXT, day DATE, seq BIGINT",
    "closed_business_disputed_on": "closed_business_id TEXT, chapter_id TEXT, day DATE, seq BIGINT",
}
"""Staging table → its columns: the rows each handler would upsert, with the store position last."""


def _latest(table: str, key: str, first: bool = False) -> str:
    """One row per key: the one with the highest store position (with `first`, the lowest)."""
    return f"(SELECT DISTINCT ON ({key}) * FROM _staged_{table} ORDER BY {key}, seq{'' if first else ' DESC'})"


MERGE_REFERRALS = f"""INSERT INTO referrals (referral_id, chapter_id, giver_id, receiver_id, referral_type,
        temperature, given_on, status, accepted_on, contacted_on, won_on, closed_on, last_step_on,
        converted_emitted, seq, recorded_at, recorded_by)
    SELECT referral_id, coalesce(g.chapter_id, s.chapter_id), coalesce(g.giver_id, s.giver_id),
           coalesce(g.receiver_id, s.receiver_id), g.referral_type, g.temperature, g.given_on,
           coalesce(d.status, 'given'), d.accepted_on, d.contacted_on, d.won_on, d.closed_on, d.last_step_on,
           coalesce(d.status = 'won' AND g.given_on IS NOT NULL, false), g.seq, g.recorded_at, g.recorded_by
    FROM {_latest("referrals_given", "referral_id")} g
    FULL JOIN {_latest("referral_stubs", "referral_id", first=True)} s USING (referral_id)
    LEFT JOIN ({STEPS_DERIVED}) d USING (referral_id)"""

MERGE_CLOSED_BUSINESS = f"""INSERT INTO closed_business (closed_business_id, chapter_id, reported_by,
        thanked_member_id, amount, currency, business_kind, referral_type, referral_id, occurred_on,
        confirmed_on, disputed_on, recorded_at, recorded_by)
    SELECT closed_business_id, coalesce(r.chapter_id, c.chapter_id, d.chapter_id), r.reported_by,
           r.thanked_member_id, r.amount, r.currency, r.business_kind, r.referral_type, r.referral_id,
           r.occurred_on, c.day, d.day, r.recorded_at, r.recorded_by
    FROM {_latest("closed_business_reported", "closed_business_id")} r
    FULL JOIN {_latest("closed_business_confirmed_on", "closed_business_id")} c USING (closed_business_id)
    FULL JOIN {_latest("closed_business_disputed_on", "closed_business_id")} d USING (closed_business_id)"""


def staged_name(table: str) -> str:
    return f"_staged_{table}"


STAGED_TABLES = frozenset(staged_name(t) for t in STAGED)


KEYED_AFTER_MERGE = {"referrals": "referral_id", "closed_business": "closed_business_id"}
"""The merged tables get their primary key after the merge (one sorted build instead of a row-by-row one)."""


async def create_staging(conn: asyncpg.Connection, schema: str) -> None:
    await conn.execute("; ".join([f"CREATE UNLOGGED TABLE {schema}.{staged_name(t)} ({columns})"
                                  for t, columns in STAGED.items()]
                                 + [f"ALTER TABLE {schema}.{t} DROP CONSTRAINT {t}_pkey" for t in KEYED_AFTER_MERGE]))


async def merge_referrals(conn: asyncpg.Connection, schema: str) -> None:
    """The referrals from their staged rows and (already keyed) steps, derived; the stage dropped."""
    await _merge(conn, schema, MERGE_REFERRALS, "referrals", ("referrals_given", "referral_stubs"))


async def merge_closed_business(conn: asyncpg.Connection, schema: str) -> None:
    await _merge(conn, schema, MERGE_CLOSED_BUSINESS, "closed_business",
                 ("closed_business_reported", "closed_business_confirmed_on", "closed_business_disputed_on"))


async def _merge(conn: asyncpg.Connection, schema: str, sql: str, table: str, staged: tuple[str, ...]) -> None:
    async with conn.transaction():
        await conn.execute(f"SET LOCAL search_path TO {schema}, public")
        await conn.execute(sql)
        await conn.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({KEYED_AFTER_MERGE[table]})")
        await conn.execute(f"DROP TABLE {', '.join(staged_name(t) for t in staged)}")
