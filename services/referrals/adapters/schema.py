"""The projection tables, created in one schema per generation (see sql/001_generations.sql)."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from services.referrals.adapters.daily_totals import create_totals

SQL = Path(__file__).resolve().parent.parent / "sql"
"""The service's migrations (the generations pointer, daily reviews), applied at start-up."""
PROJECTION = "referrals"

TABLES = """
CREATE TABLE chapters (
    chapter_id TEXT PRIMARY KEY, chapter_name TEXT, city TEXT, region TEXT, currency TEXT, timezone TEXT,
    founded_on DATE, language TEXT);
CREATE TABLE members (
    member_id TEXT PRIMARY KEY, chapter_id TEXT NOT NULL, member_name TEXT, business TEXT, category TEXT,
    role TEXT, role_seq BIGINT NOT NULL DEFAULT 0, joined_on DATE, left_on DATE, dropped BOOLEAN,
    renewed_until DATE);
-- `recorded_at` (and visitors' `<step>_recorded_at`): when the slip was recorded (the CloudEvent `time`),
-- beside the day it happened; the weekly report shows how late slips are recorded.
CREATE TABLE referrals (
    referral_id TEXT PRIMARY KEY, chapter_id TEXT NOT NULL, giver_id TEXT NOT NULL, receiver_id TEXT NOT NULL,
    referral_type TEXT, temperature INT, given_on DATE, status TEXT NOT NULL DEFAULT 'given',
    accepted_on DATE, contacted_on DATE, won_on DATE, closed_on DATE, last_step_on DATE,
    converted_emitted BOOLEAN NOT NULL DEFAULT false, seq BIGINT, recorded_at TIMESTAMPTZ, recorded_by TEXT);
CREATE TABLE referral_steps (
    event_id TEXT PRIMARY KEY, referral_id TEXT NOT NULL, from_status TEXT, to_status TEXT NOT NULL,
    reason TEXT, occurred_on DATE NOT NULL, seq BIGINT NOT NULL);
CREATE TABLE closed_business (
    closed_business_id TEXT PRIMARY KEY, chapter_id TEXT NOT NULL, reported_by TEXT, thanked_member_id TEXT,
    amount NUMERIC(16, 2), currency TEXT, business_kind TEXT, referral_type TEXT, referral_id TEXT,
    occurred_on DATE, confirmed_on DATE, disputed_on DATE, recorded_at TIMESTAMPTZ, recorded_by TEXT);
CREATE TABLE one_to_ones (
    one_to_one_id TEXT PRIMARY KEY, chapter_id TEXT NOT NULL, member_a TEXT NOT NULL, member_b TEXT NOT NULL,
    mode TEXT, occurred_on DATE NOT NULL, recorded_at TIMESTAMPTZ, reported_by TEXT, recorded_by TEXT);
CREATE TABLE attendance (
    member_id TEXT NOT NULL, meeting_date DATE NOT NULL, chapter_id TEXT NOT NULL, mark TEXT NOT NULL,
    seq BIGINT NOT NULL, recorded_at TIMESTAMPTZ, PRIMARY KEY (member_id, meeting_date));
-- visitors: no name (personal data the members service seals and erases; the reports count visitors)
CREATE TABLE visitors (
    visitor_id TEXT PRIMARY KEY, chapter_id TEXT NOT NULL, invited_by TEXT NOT NULL,
    invited_on DATE, attended_on DATE, applied_on DATE, became_member_on DATE, member_id TEXT,
    invited_recorded_at TIMESTAMPTZ, attended_recorded_at TIMESTAMPTZ, applied_recorded_at TIMESTAMPTZ,
    became_member_recorded_at TIMESTAMPTZ, meeting_on DATE);
CREATE TABLE ceus (
    ceu_id TEXT PRIMARY KEY, chapter_id TEXT NOT NULL, member_id TEXT NOT NULL, credits INT NOT NULL,
    occurred_on DATE NOT NULL, recorded_at TIMESTAMPTZ, recorded_by TEXT);
-- derived state (what the derived events compare against)
CREATE TABLE lights (
    member_id TEXT PRIMARY KEY, chapter_id TEXT NOT NULL, colour TEXT NOT NULL, score NUMERIC(5, 1) NOT NULL,
    as_of DATE NOT NULL);
CREATE TABLE pair_states (
    giver_id TEXT NOT NULL, receiver_id TEXT NOT NULL, chapter_id TEXT NOT NULL, one_sided BOOLEAN NOT NULL,
    PRIMARY KEY (giver_id, receiver_id));
-- freshness: which members-store positions were applied, and the last per chapter ('' = all)
CREATE TABLE applied_sequences (sequence BIGINT PRIMARY KEY);
CREATE TABLE progress (
    chapter_id TEXT PRIMARY KEY, last_sequence BIGINT NOT NULL, last_time TIMESTAMPTZ,
    events BIGINT NOT NULL DEFAULT 0);
"""

# Secondary indexes: a rebuild creates them after the bulk load (cheaper than maintaining them row by row).
INDEXES = """
CREATE INDEX ON chapters (region);
CREATE INDEX ON members (chapter_id);
CREATE INDEX ON referrals (chapter_id, given_on);
CREATE INDEX ON referrals (giver_id, given_on);
CREATE INDEX ON referrals (receiver_id, given_on);
CREATE INDEX IF NOT EXISTS referrals_pair_idx ON referrals (giver_id, receiver_id, given_on);
CREATE INDEX ON referral_steps (referral_id);
CREATE INDEX ON closed_business (chapter_id, occurred_on);
CREATE INDEX ON closed_business (referral_id);
CREATE INDEX ON one_to_ones (chapter_id, occurred_on);
CREATE INDEX ON one_to_ones (member_a, occurred_on);
CREATE INDEX ON one_to_ones (member_b, occurred_on);
CREATE INDEX ON attendance (chapter_id, meeting_date);
CREATE INDEX ON visitors (chapter_id);
CREATE INDEX ON visitors (invited_by, attended_on);
CREATE INDEX ON ceus (member_id, occurred_on);
"""

DATA_TABLES = ("chapters", "members", "referrals", "referral_steps", "closed_business", "one_to_ones",
               "attendance", "visitors", "ceus", "applied_sequences")


def schema_name(generation: int) -> str:
    return f"referrals_g{generation}"


async def create_generation(conn: asyncpg.Connection, generation: int, indexes: bool = True) -> str:
    """A fresh, empty generation schema. `indexes=False` leaves out the secondary indexes (primary keys stay:
    the upserts need them) and the daily totals with their triggers, for a bulk load; `create_indexes` and
    `daily_totals.create_totals` add them afterwards."""
    schema = schema_name(generation)
    async with conn.transaction():
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await conn.execute(f"CREATE SCHEMA {schema}")
        await conn.execute(f"SET LOCAL search_path TO {schema}, public")
        await conn.execute(TABLES)
        if indexes:
            await conn.execute(INDEXES)
            await create_totals(conn, schema)
    return schema


def index_statements(tables: set[str] | None = None, skip: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The secondary indexes' CREATE statements (of these tables, except those)."""
    out = []
    for line in INDEXES.strip().splitlines():
        table = line.split(" ON ", 1)[1].split(" ", 1)[0]
        if (tables is None or table in tables) and table not in skip:
            out.append(line)
    return out


async def create_indexes(conn: asyncpg.Connection, schema: str, tables: set[str] | None = None,
                         skip: set[str] | frozenset[str] = frozenset()) -> None:
    statements = index_statements(tables, skip)
    if not statements:
        return
    async with conn.transaction():
        await conn.execute(f"SET LOCAL search_path TO {schema}, public")
        await conn.execute("\n".join(statements))


LATER_INDEXES = [line for line in INDEXES.splitlines() if "IF NOT EXISTS" in line]
"""Indexes added after generations were first created: `ensure_indexes` adds them to an existing one."""


async def ensure_indexes(conn: asyncpg.Connection | asyncpg.Pool, schema: str) -> None:
    for statement in LATER_INDEXES:
        await conn.execute(statement.replace(" ON ", f" ON {schema}.", 1))


LATER_COLUMNS: list[tuple[str, str]] = [
    ("referrals", "recorded_at"), ("closed_business", "recorded_at"), ("one_to_ones", "recorded_at"),
    ("attendance", "recorded_at"), ("ceus", "recorded_at"), ("visitors", "invited_recorded_at"),
    ("visitors", "attended_recorded_at"), ("visitors", "applied_recorded_at"),
    ("visitors", "became_member_recorded_at"),
]
"""Columns (all TIMESTAMPTZ) added after generations were first created: `ensure_columns` adds them to an
existing generation (rows projected before have NULL there: recorded time unknown until a rebuild)."""
LATER_TEXT_COLUMNS: list[tuple[str, str]] = [
    ("chapters", "language"), ("referrals", "recorded_by"), ("closed_business", "recorded_by"),
    ("one_to_ones", "reported_by"), ("one_to_ones", "recorded_by"), ("ceus", "recorded_by")]
"""TEXT columns added later, likewise (NULL before a rebuild: language unknown, or keyed in by the giver)."""
LATER_DATE_COLUMNS: list[tuple[str, str]] = [("visitors", "meeting_on")]
"""DATE columns added later, likewise (a self-registered visitor's meeting: NULL before a rebuild)."""

DROPPED_COLUMNS: list[tuple[str, str]] = [("visitors", "visitor_name")]
"""Columns generations no longer have: `ensure_columns` drops them from an existing generation. Visitors'
names were copied here in clear before the members service sealed them; no report shows them."""

_UPGRADED: set[tuple[str, str]] = set()  # (database, schema) this process has checked for LATER_COLUMNS


async def ensure_columns(conn: asyncpg.Connection | asyncpg.Pool, schema: str, database: str | None = None) -> None:
    """Idempotent: `ALTER TABLE ... ADD COLUMN IF NOT EXISTS` for the LATER_COLUMNS the generation lacks, and
    `DROP COLUMN IF EXISTS` for the DROPPED_COLUMNS it still has. Looks first (no lock taken when nothing is to
    change), once per database, schema and process."""
    database = database or str(await conn.fetchval("SELECT current_database()"))
    if (database, schema) in _UPGRADED:
        return
    present = {(r["table_name"], r["column_name"]) for r in await conn.fetch(
        """SELECT table_name, column_name FROM information_schema.columns
           WHERE table_schema = $1 AND (column_name LIKE '%recorded_at' OR column_name = ANY($2::text[]))""",
        schema, [c for _, c in DROPPED_COLUMNS + LATER_TEXT_COLUMNS + LATER_DATE_COLUMNS])}
    changes = [f"ALTER TABLE {schema}.{t} ADD COLUMN IF NOT EXISTS {c} {kind}"
               for columns, kind in ((LATER_COLUMNS, "TIMESTAMPTZ"), (LATER_TEXT_COLUMNS, "TEXT"),
                                     (LATER_DATE_COLUMNS, "DATE"))
               for t, c in columns if (t, c) not in present]
    changes += [f"ALTER TABLE {schema}.{t} DROP COLUMN IF EXISTS {c}" for t, c in DROPPED_COLUMNS if (t, c) in present]
    if changes:
        await conn.execute("; ".join(changes))
    _UPGRADED.add((database, schema))


async def current_schema(conn: asyncpg.Connection | asyncpg.Pool) -> str:
    """The live generation's schema, created (generation 1) on first use; a generation created before
    LATER_COLUMNS existed gets them on first use by this process."""
    row = await conn.fetchrow("SELECT schema_name, current_database() AS db FROM projection_generations"
                              " WHERE name = $1", PROJECTION)
    if row is not None:
        schema = str(row["schema_name"])
        await ensure_columns(conn, schema, str(row["db"]))
        return schema
    if isinstance(conn, asyncpg.Pool):
        async with conn.acquire() as own:
            return await current_schema(own)
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(7345102)")
        schema = await conn.fetchval("SELECT schema_name FROM projection_generations WHERE name = $1",
                                     PROJECTION)
        if schema is not None:
            await ensure_columns(conn, str(schema))
            return str(schema)
        schema = await create_generation(conn, 1)
        await conn.execute("INSERT INTO projection_generations (name, schema_name, generation) VALUES ($1, $2, 1)",
                           PROJECTION, schema)
    return schema


APPENDED_TABLES: dict[str, tuple[str, str]] = {
    "referral_steps": ("event_id", ""), "one_to_ones": ("one_to_one_id", "recorded_at"),
    "ceus": ("ceu_id", "recorded_at"), "attendance": ("member_id, meeting_date", "seq DESC"),
    "applied_sequences": ("sequence", ""),
}
"""Tables a rebuild appends to without their primary key (most of the events: attendance, one-to-ones, CEUs,
status steps, applied positions), and per table its key and which copy of a key is kept: the copies of one
event are equal (one id, one event; republished copies carry the same data), so the first recorded, or for
attendance the latest correction (highest store position), as the live upserts keep."""


async def drop_appended_keys(conn: asyncpg.Connection, schema: str) -> None:
    for table in APPENDED_TABLES:
        await conn.execute(f"ALTER TABLE {schema}.{table} DROP CONSTRAINT {table}_pkey")


async def keep_one_per_key(conn: asyncpg.Connection, schema: str, table: str) -> int:
    """Give an appended table its primary key back, after removing the extra copies of a key if there are any
    (adding the key finds out: no sort of its own when there are none, the usual case). Returns rows removed."""
    key, order = APPENDED_TABLES[table]
    add = f"ALTER TABLE {schema}.{table} ADD PRIMARY KEY ({key})"
    try:
        async with conn.transaction():
            await conn.execute(add)
        return 0
    except asyncpg.UniqueViolationError:
        pass
    async with conn.transaction():
        removed = await conn.execute(
            f"""DELETE FROM {schema}.{table} WHERE ctid IN (SELECT ctid FROM (
                    SELECT ctid, row_number() OVER (PARTITION BY {key} ORDER BY {order or 'ctid'}) AS n
                    FROM {schema}.{table}) copies WHERE n > 1)""")
        await conn.execute(add)
    return int(removed.split()[-1])
