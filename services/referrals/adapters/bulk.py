"""Writing many rows in one statement: the projection's every write goes through `upsert`."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from typing import Any

import asyncpg

_UNNEST = re.compile(r"unnest\(((?:\$\d+::[a-z]+\[\],?\s*)+)\)")
COPY_ROWS = 2000
"""From this many rows on, `upsert` goes through COPY (a rebuild's batches; the live ones stay below)."""
APPENDED: ContextVar[frozenset[str]] = ContextVar("appended", default=frozenset())
"""Tables the writer in hand appends to with a plain COPY, no conflict check (a rebuild's replay, into tables
without their primary key: see `schema.APPENDED_TABLES`); one row per key is kept once, at the end."""
_TARGET = re.compile(r"\s*INSERT INTO (\w+)\s*(?:\(([^)]*)\))?\s*SELECT")


def latest(rows: Iterable[tuple[Any, ...]], key: Callable[[tuple[Any, ...]], Any],
           seq_index: int = -1) -> list[tuple[Any, ...]]:
    """One row per key (the one with the highest sequence): one INSERT may not touch a row twice."""
    best: dict[Any, tuple[Any, ...]] = {}
    for row in rows:
        k = key(row)
        old = best.get(k)
        if old is None or row[seq_index] >= old[seq_index]:
            best[k] = row
    return list(best.values())


async def upsert(conn: asyncpg.Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Run `sql`, whose row source is `unnest($1::type[], ..., $n::type[])`, for these rows. A small batch
    passes them as n arrays (one round trip). A big one is COPYed (binary) into a temporary staging table
    that stands in for the `unnest(...)`: far cheaper on both sides than arrays of 20,000 values, each
    checked and encoded one by one."""
    target = _TARGET.match(sql)
    if target is not None and target[1] in APPENDED.get():
        if rows:
            columns = [c.strip() for c in target[2].split(",")] if target[2] else None
            await conn.copy_records_to_table(target[1], records=rows, columns=columns)
        return
    match = _UNNEST.search(sql)
    assert match is not None, sql
    types = re.findall(r"::([a-z]+)\[\]", match[1])
    if len(rows) < COPY_ROWS:
        await conn.execute(sql, *_columns(rows, len(types)))
        return
    stage = f"_stage_{zlib.crc32(','.join(types).encode()):08x}"
    await conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ("
                       + ", ".join(f"c{i} {t}" for i, t in enumerate(types)) + ")")
    await conn.copy_records_to_table(stage, records=rows)
    await conn.execute(f"{sql[:match.start()]}{stage}{sql[match.end():]}; TRUNCATE {stage}")


async def stage_or_upsert(conn: asyncpg.Connection, stage: str, staged: Sequence[tuple[Any, ...]], sql: str,
                          rows: Sequence[tuple[Any, ...]]) -> None:
    """A rebuild's replay COPYs `staged` (the rows with their store positions) into the staging table `stage`
    when the writer in hand stages it (see `staging`: merged once, at the end); otherwise `upsert(sql, rows)`."""
    if stage in APPENDED.get():
        if staged:
            await conn.copy_records_to_table(stage, records=staged)
        return
    await upsert(conn, sql, rows)


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    return [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
