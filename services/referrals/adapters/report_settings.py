"""A chapter's report settings (sql/004_report_settings.sql)."""

from __future__ import annotations

from typing import cast

import asyncpg

from services.referrals.domain.chapter_lights import WindowKind


async def lights_window(pool: asyncpg.Pool, chapter_id: str) -> WindowKind:
    kind = await pool.fetchval("SELECT lights_window FROM report_settings WHERE chapter_id = $1", chapter_id)
    return cast(WindowKind, kind or "rolling")


async def set_lights_window(pool: asyncpg.Pool, chapter_id: str, kind: WindowKind) -> None:
    await pool.execute("INSERT INTO report_settings (chapter_id, lights_window) VALUES ($1, $2)"
                       " ON CONFLICT (chapter_id) DO UPDATE SET lights_window = excluded.lights_window",
                       chapter_id, kind)
