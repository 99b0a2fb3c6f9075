"""Hostile uploads through the API: a workbook declaring the whole sheet is read as the rows it holds;
one past a limit (rows, columns, cells) is 422 naming the limit, and nothing is recorded, not even a job."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from tests.e2e.imports.test_import_history import leader, run_import
from tests.unit.members.hostile_sheets import dimension_bomb, far_row, too_many_columns, wide_styled_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def recorded(app: FastAPI) -> tuple[int, int]:
    pool: asyncpg.Pool = app.state.service.pool
    return (int(await pool.fetchval("SELECT count(*) FROM events")),
            int(await pool.fetchval("SELECT count(*) FROM import_jobs")))


async def test_a_declared_dimension_of_the_whole_sheet_imports_only_its_real_rows(
        client: httpx.AsyncClient) -> None:
    chapter_id, auth = await leader(client)
    job = await run_import(client, chapter_id, auth, slips=("slips.xlsx", dimension_bomb()))
    assert job["progress"]["total"] == 2
    assert [r["status"] for r in job["result"]["rows"]] == ["recorded", "recorded"], job["result"]["rows"]
    ceus = (await client.get(f"/chapters/{chapter_id}/ceus", headers=auth)).json()
    assert len(ceus) == 2


@pytest.mark.parametrize(("data", "limit"), [
    (too_many_columns(), "more than 50 columns"),
    (far_row(), "more than 100000 rows"),
    (wide_styled_rows(), "more than 2000000 cells"),
])
async def test_a_file_past_a_limit_is_422_naming_it_and_records_nothing(
        client: httpx.AsyncClient, app: FastAPI, data: bytes, limit: str) -> None:
    chapter_id, auth = await leader(client)
    before = await recorded(app)
    for field in ("file", "roster"):
        refused = await client.post(f"/chapters/{chapter_id}/imports", files={field: ("big.xlsx", data, XLSX)},
                                    headers={**auth, "Idempotency-Key": f"big-{field}"})
        assert refused.status_code == 422, refused.text
        detail = refused.json()["detail"][0]
        assert detail["loc"] == ["body", field] and limit in detail["msg"], detail
    assert await recorded(app) == before


async def test_an_import_key_reused_for_other_files_is_422_and_starts_nothing(
        client: httpx.AsyncClient, app: FastAPI) -> None:
    chapter_id, auth = await leader(client)
    headers = {**auth, "Idempotency-Key": "import-1"}
    url = f"/chapters/{chapter_id}/imports"
    bomb = dimension_bomb()  # once: a workbook written a second later differs (its timestamps), so is another file
    first = await client.post(url, files={"file": ("a.xlsx", bomb, XLSX)}, headers=headers)
    assert first.status_code == 202, first.text
    again = await client.post(url, files={"file": ("a.xlsx", bomb, XLSX)}, headers=headers)
    assert again.status_code == 202 and again.json()["job_id"] == first.json()["job_id"]
    before = await recorded(app)
    other = await client.post(url, files={"file": ("a.xlsx", too_many_columns(20), XLSX)}, headers=headers)
    assert other.status_code == 422, other.text
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert (await recorded(app))[1] == before[1]  # no other job
