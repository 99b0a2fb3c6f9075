"""Versioned SQL migrations, applied once each, in order, at start-up.

A service passes the folders it owns (the shared event store's first); files are named `NNN_what.sql`.
Concurrent starters are serialised by an advisory lock, so two processes never apply the same file.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from shared.settings import with_database

SHARED_SQL = Path(__file__).parent / "sql"
_LOCK = 7_345_001


async def apply_migrations(conn: asyncpg.Connection, *folders: Path) -> list[str]:
    """Apply every migration file not yet applied; returns the names applied now."""
    applied_now: list[str] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        done = {row["name"] for row in await conn.fetch("SELECT name FROM schema_migrations")}
        for folder in folders:
            for path in sorted(folder.glob("*.sql")):
                name = f"{folder.parent.name}/{folder.name}/{path.name}"
                if name in done:
                    continue
                await conn.execute(path.read_text())
                await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
                applied_now.append(name)
    return applied_now


async def ensure_database(url: str) -> None:
    """Create the database `url` names if it does not exist yet (each service owns one)."""
    database = urlsplit(url).path.lstrip("/")
    conn = await asyncpg.connect(with_database(url, "postgres"))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            try:
                await conn.execute(f'CREATE DATABASE "{database}"')
            except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
                pass  # another process of the service created it meanwhile (the second is how that race ends)
    finally:
        await conn.close()


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """Released connections need no reset: refnet keeps no session state on pooled connections (locks are
    transaction-scoped; the relay removes its LISTEN before releasing). Skipping asyncpg's default reset
    saves a round trip on every request."""


async def open_database(url: str, *folders: Path, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    """Create the database if needed, bring its schema up to date, and return a pool on it."""
    await ensure_database(url)
    pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size, reset=_keep_session)
    assert pool is not None
    async with pool.acquire() as conn:
        await apply_migrations(conn, SHARED_SQL, *folders)
    return pool
