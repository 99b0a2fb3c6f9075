"""Reading the live generation of the projection: consistent snapshots, freshness, and what reports depend on."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import asyncpg

from services.referrals.adapters.changes import ChapterChanges
from services.referrals.adapters.schema import PROJECTION, current_schema
from services.referrals.domain.chapter_lights import ChapterLightScheme
from services.referrals.domain.integrity import IntegrityRules
from services.referrals.domain.traffic_lights import TrafficLightScheme

Report = dict[str, Any]

LIVE = f"(SELECT schema_name FROM public.projection_generations WHERE name = '{PROJECTION}') AS live"
"""The live generation's schema, the first column of every `ReportReader.in_one_statement`."""


def as_of_progress(rows: Sequence[Sequence[Any]], chapter_id: str) -> dict[str, Any]:
    """A report's `as_of` from the progress rows (chapter_id, last_sequence, last_time, events) of the chapter
    and of all chapters ('')."""
    found = {r[0]: r for r in rows}
    row, total = found.get(chapter_id), found.get("")
    return {"sequence": row[1] if row else 0, "time": row[2] if row else None, "events": row[3] if row else 0,
            "all_chapters_sequence": total[1] if total else 0}

CLOSED_BUSINESS_VALUES = """SELECT thanked_member_id AS giver_id, reported_by AS receiver_id, amount
    FROM closed_business
    WHERE chapter_id = $1 AND occurred_on BETWEEN $2 AND $3 AND amount IS NOT NULL AND disputed_on IS NULL"""
"""The window's closed business that counts as value: with an amount, not disputed ($1 chapter, $2-$3)."""


class ReportReader:
    """The projection as reports read it, scored with the service's traffic-light scheme and integrity rules."""

    def __init__(self, pool: asyncpg.Pool, scheme: TrafficLightScheme | None = None,
                 changes: ChapterChanges | None = None, integrity: IntegrityRules | None = None,
                 chapter_scheme: ChapterLightScheme | None = None) -> None:
        self.pool = pool
        self.scheme = scheme or TrafficLightScheme()
        self.integrity = integrity or IntegrityRules()
        self.chapter_scheme = chapter_scheme or ChapterLightScheme()
        # without a listener (tools, benchmarks), read-your-writes waits look again every 20 ms
        self.changes = changes or ChapterChanges(None, poll_seconds=0.02)
        self._schema: str | None = None  # the live generation as last seen (`in_one_statement`)
        self._known: set[str] = set()  # chapters seen to exist (`known`)

    @contextlib.asynccontextmanager
    async def snapshot(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection reading one generation consistently (repeatable read over the live schema)."""
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            # the live generation and the search path to it in one round trip
            if await conn.fetchval("SELECT set_config('search_path', schema_name || ', public', true)"
                                   " FROM projection_generations WHERE name = $1", PROJECTION) is None:
                schema = await current_schema(conn)
                await conn.execute(f"SET LOCAL search_path TO {schema}, public")
            yield conn

    @staticmethod
    async def as_of(conn: asyncpg.Connection, chapter_id: str) -> dict[str, Any]:
        """How far the chapter's (and all chapters') events are applied: a report's `as_of`."""
        return as_of_progress(await conn.fetch(
            "SELECT chapter_id, last_sequence, last_time, events FROM progress WHERE chapter_id IN ($1, '')",
            chapter_id), chapter_id)

    async def in_one_statement(self, sql: Callable[[str], str], *args: Any) -> asyncpg.Record:
        """The one row of `sql(schema)`, a single statement over the live generation whose tables it names
        with `schema` (no transaction, no search path: one statement reads one snapshot, in one round trip).
        Its first column must be `LIVE`: when a swap moved the live generation on since this reader last
        looked (or dropped the schema it read), it runs again on the new one."""
        async with self.pool.acquire() as conn:
            for _ in range(3):
                schema = self._schema or await current_schema(conn)
                try:
                    row = await conn.fetchrow(sql(schema), *args)
                except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
                    row = None
                if row is not None and row[0] == schema:
                    self._schema = schema
                    return row
                self._schema = None
            raise RuntimeError("the live generation kept moving")  # three swaps during one report

    async def version(self, chapter_id: str) -> tuple[Any, ...]:
        """What a chapter's reports depend on: the live generation, and how far the chapter's (and all
        chapters') events are applied. Every applied batch moves the progress of the chapters it touched,
        so equal versions mean equal reports for the same window (one statement)."""
        row = await self.in_one_statement(lambda s: f"""SELECT {LIVE}, ARRAY(
            SELECT row(chapter_id, last_sequence, events) FROM {s}.progress
            WHERE chapter_id = $1 OR chapter_id = '' ORDER BY chapter_id)""", chapter_id)
        return (row[0], *(tuple(r) for r in row[1]))

    async def chapter(self, chapter_id: str) -> dict[str, Any] | None:
        """The chapter as founded, a bare `{chapter_id}` when only its members are known yet, else None."""
        row = await self.in_one_statement(lambda s: f"""SELECT {LIVE}, c.*,
            c.chapter_id IS NOT NULL OR EXISTS (SELECT 1 FROM {s}.members m WHERE m.chapter_id = $1) AS known
            FROM (SELECT 1) one LEFT JOIN {s}.chapters c ON c.chapter_id = $1""", chapter_id)
        if not row["known"]:
            return None
        found = {k: v for k, v in row.items() if k not in ("live", "known")}
        return found if found["chapter_id"] is not None else {"chapter_id": chapter_id}

    async def known(self, chapter_id: str) -> bool:
        """Whether the chapter (or a member of it) is known. Nothing ever removes a chapter or a member from
        the projection (a rebuild replays them all before its swap), so a chapter once known is remembered:
        a report request then goes to the database for its data only."""
        if chapter_id in self._known:
            return True
        if await self.chapter(chapter_id) is None:
            return False
        self._known.add(chapter_id)
        return True

    async def region_of(self, chapter_id: str) -> str | None:
        async with self.snapshot() as conn:
            region: str | None = await conn.fetchval("SELECT region FROM chapters WHERE chapter_id = $1", chapter_id)
        return region

    async def applied(self, sequence: int) -> bool:
        async with self.snapshot() as conn:
            return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM applied_sequences WHERE sequence = $1)",
                                            sequence))

    async def wait_for(self, sequence: int, wait_ms: int) -> bool:
        """Read-your-writes: wait until the members event at `sequence` is applied; False on timeout.
        Woken when any chapter's data moves (`ChapterChanges`), not by polling the database."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_ms / 1000
        with self.changes.watch() as moved:
            while True:
                moved.clear()  # before looking: an event applied while looking wakes the next wait at once
                if await self.applied(sequence):
                    return True
                left = deadline - loop.time()
                if left <= 0:
                    return False
                await self.changes.wait(moved, min(left, self.changes.poll_seconds))

    async def last_sequence(self, chapter_id: str) -> int:
        async with self.snapshot() as conn:
            return int(await conn.fetchval("SELECT coalesce(max(last_sequence), 0) FROM progress"
                                           " WHERE chapter_id = $1", chapter_id))
