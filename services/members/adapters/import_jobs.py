"""Import jobs in the members database: created by the process that takes the upload, followed from any.

The process running a job beats its heart every few seconds; a running job whose heart stopped for a
minute belonged to a process that is gone, and is reported failed (uploading the file again records
nothing twice: every row has a stable identity).
"""

from __future__ import annotations

import json
from typing import Any, Literal

import asyncpg

HEARTBEAT_SECONDS = 5.0
LOST_AFTER_SECONDS = 60
LOST = "the service stopped during this import; upload the file again (rows already recorded are not recorded twice)"
Rows = Literal["all", "problems", "none"]


async def create(pool: asyncpg.Pool, *, job_id: str, chapter_id: str, started_by: str, idempotency_key: str | None,
                 dry_run: bool, files: dict[str, str], total: int) -> asyncpg.Record | None:
    """The new job, or None when this Idempotency-Key already started one (see `find_retried`)."""
    row: asyncpg.Record | None = await pool.fetchrow(
        "INSERT INTO import_jobs (job_id, chapter_id, started_by, idempotency_key, dry_run, files, status, total)"
        " VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'queued', $7) ON CONFLICT DO NOTHING RETURNING *",
        job_id, chapter_id, started_by, idempotency_key, dry_run, json.dumps(files), total)
    return row


async def find_retried(pool: asyncpg.Pool, started_by: str, chapter_id: str, key: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await pool.fetchrow(
        "SELECT * FROM import_jobs WHERE started_by = $1 AND chapter_id = $2 AND idempotency_key = $3",
        started_by, chapter_id, key)
    return row


async def find(pool: asyncpg.Pool, chapter_id: str, job_id: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await pool.fetchrow(
        "SELECT *, now() AS read_at FROM import_jobs WHERE job_id = $1 AND chapter_id = $2", job_id, chapter_id)
    return row


async def running(pool: asyncpg.Pool, job_id: str) -> None:
    await pool.execute("UPDATE import_jobs SET status = 'running', heartbeat_at = now() WHERE job_id = $1", job_id)


async def progress(pool: asyncpg.Pool, job_id: str, done: int, total: int) -> None:
    await pool.execute("UPDATE import_jobs SET done = $2, total = $3, heartbeat_at = now() WHERE job_id = $1",
                       job_id, done, total)


async def heartbeat(pool: asyncpg.Pool, job_id: str) -> None:
    await pool.execute("UPDATE import_jobs SET heartbeat_at = now() WHERE job_id = $1", job_id)


async def finish(pool: asyncpg.Pool, job_id: str, *, result: dict[str, Any] | None = None,
                 error: str | None = None) -> None:
    await pool.execute(
        "UPDATE import_jobs SET status = $2, result = $3::jsonb, error = $4, finished_at = now(),"
        " heartbeat_at = now(), done = CASE WHEN $2 = 'done' THEN total ELSE done END WHERE job_id = $1",
        job_id, "failed" if error is not None else "done", None if result is None else json.dumps(result), error)


def body(row: asyncpg.Record, rows: Rows = "all") -> dict[str, Any]:
    """The job as the API shows it."""
    status, error = row["status"], row["error"]
    read_at = row["read_at"] if "read_at" in row else row["heartbeat_at"]
    if status in ("queued", "running") and (read_at - row["heartbeat_at"]).total_seconds() > LOST_AFTER_SECONDS:
        status, error = "failed", LOST
    done, total = row["done"], row["total"]
    elapsed = ((row["finished_at"] or read_at) - row["started_at"]).total_seconds()
    out: dict[str, Any] = {
        "job_id": row["job_id"], "chapter_id": row["chapter_id"], "status": status, "dry_run": row["dry_run"],
        "files": json.loads(row["files"]),
        "progress": {"done": done, "total": total, "percent": round(100 * done / total, 1) if total else 0},
        "elapsed_seconds": round(max(elapsed, 0.0), 3)}
    if error is not None:
        out["error"] = error
    if row["result"] is not None:
        result = json.loads(row["result"])
        if rows != "all":
            result["rows"] = [] if rows == "none" else [r for r in result["rows"] if r["status"] == "refused"]
        out["result"] = result
    return out
