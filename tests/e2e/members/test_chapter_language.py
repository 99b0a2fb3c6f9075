"""A chapter is founded with the language its members read their notifications in."""

from __future__ import annotations

import asyncpg
import httpx

from shared.settings import Settings
from tests.e2e.members.conftest import ADMIN, bearer

CHAPTER = {"name": "Rheinufer Unternehmer", "city": "Köln", "region": "NRW", "meeting_weekday": "thursday",
           "meeting_time": "07:00", "timezone": "Europe/Berlin", "currency": "EUR"}


async def test_the_language_travels_in_the_chapter_founded_event(client: httpx.AsyncClient,
                                                                 settings: Settings) -> None:
    founded = await client.post("/chapters", headers=bearer(ADMIN), json={**CHAPTER, "language": "de"})
    assert founded.status_code == 201, founded.text
    plain = await client.post("/chapters", headers=bearer(ADMIN), json={**CHAPTER, "name": "Default"})
    conn = await asyncpg.connect(settings.service_database_url("members"))
    try:
        rows = await conn.fetch("SELECT chapter_id, data->>'language' AS language FROM events"
                                " WHERE type = 'org.refnet.members.chapter-founded.v1'")
    finally:
        await conn.close()
    languages = {r["chapter_id"]: r["language"] for r in rows}
    assert languages == {founded.json()["chapter_id"]: "de", plain.json()["chapter_id"]: "en"}


async def test_an_unknown_language_is_refused_naming_the_field(client: httpx.AsyncClient) -> None:
    refused = await client.post("/chapters", headers=bearer(ADMIN), json={**CHAPTER, "language": "klingon"})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "language"]


async def test_the_chapter_answers_its_language_also_for_chapters_founded_before_it_was_kept(
        client: httpx.AsyncClient, settings: Settings) -> None:
    """The member app picks its texts by `GET /chapters/{id}`; chapters projected before the column existed
    take their language from their ChapterFounded event when the migration runs."""
    from services.members.entrypoints.app import SQL
    from shared.migrations import apply_migrations

    founded = await client.post("/chapters", headers=bearer(ADMIN), json={**CHAPTER, "language": "de"})
    cid = founded.json()["chapter_id"]
    assert (await client.get(f"/chapters/{cid}", headers=bearer(ADMIN))).json()["language"] == "de"
    conn = await asyncpg.connect(settings.service_database_url("members"))
    try:  # as the chapter stood before: no language column, the migration not applied yet
        await conn.execute("ALTER TABLE chapters DROP COLUMN language")
        await conn.execute("DELETE FROM schema_migrations WHERE name LIKE '%007_chapter_language.sql'")
        assert "members/sql/007_chapter_language.sql" in await apply_migrations(conn, SQL)
    finally:
        await conn.close()
    assert (await client.get(f"/chapters/{cid}", headers=bearer(ADMIN))).json()["language"] == "de"
