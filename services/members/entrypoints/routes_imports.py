"""Import of a chapter's history (leaders): upload a slips file (and a roster), follow the job.

The job runs in the process that took the upload; its status, progress and result are kept in the
database (adapters/import_jobs.py), so any process of the service answers for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
import uuid
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from services.members.adapters import idempotency, import_jobs
from services.members.adapters.idempotency import IdempotencyKey
from services.members.adapters.slip_files import MAX_ROWS, FileRefused, Sheet, read_roster, read_slips
from services.members.domain.errors import DomainError, InvalidField, NotFound
from services.members.entrypoints.deps import (
    IdempotencyHeader,
    require_leader,
    service,
    visible_chapter,
)
from services.members.service_layer.imports.history import ImportContext, import_history
from shared.http_auth import Caller

router = APIRouter(tags=["import of history"])
log = logging.getLogger(__name__)
MAX_UPLOAD = 50 * 1024 * 1024
PROGRESS_EVERY_SECONDS = 0.25


async def _read(upload: UploadFile | None, reader: Any, what: str) -> tuple[Sheet | None, str | None]:
    if upload is None:
        return None, None
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidField(what, f"the file is larger than {MAX_UPLOAD // (1024 * 1024)} MB: split it")
    name = upload.filename or f"{what}.csv"
    try:
        sheet: Sheet = await asyncio.to_thread(reader, data, name)  # parsing is CPU work: not on the event loop
    except FileRefused as exc:
        raise InvalidField(what, str(exc)) from None
    return sheet, name


async def _bound_key(request: Request, started_by: str, key: str,
                     uploads: dict[str, UploadFile | None]) -> IdempotencyKey:
    """The key bound to this upload: the files' names and bytes (a multipart body's boundary changes on
    every retry, so the raw body cannot be compared)."""
    content = bytearray()
    for field, upload in uploads.items():
        if upload is not None:
            data = await upload.read(MAX_UPLOAD + 1)
            await upload.seek(0)
            for part in (field.encode(), (upload.filename or "").encode(), hashlib.sha256(data).digest()):
                content += len(part).to_bytes(8, "big") + part
    bound_to = idempotency.request_hash(request.method, request.url.path, request.url.query, bytes(content))
    return IdempotencyKey(key=key, principal=started_by, route=f"{request.method} {request.url.path}",
                          request_hash=bound_to)


@router.post("/chapters/{chapter_id}/imports", status_code=202)
async def start_import(request: Request, chapter_id: str, principal: Caller,
                       file: Annotated[UploadFile | None, File(description="The slips: .csv or .xlsx, one row "
                                                                           "per slip (see docs/import.md).")] = None,
                       roster: Annotated[UploadFile | None, File(description="Members to add first: name, "
                                                                             "business, category, e-mail, "
                                                                             "joined date.")] = None,
                       dry_run: Annotated[bool, Query(description="Decide every row, record nothing.")] = False,
                       idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Import a chapter's history (leaders). Returns 202 with the job; follow it at `Location`.
    Each row is recorded through the same rules as a live slip; bad rows are reported, good rows recorded,
    and the same file imported twice records nothing twice. A retried upload with the same Idempotency-Key
    returns the first job instead of starting another; the key reused for other files (or another
    `dry_run`) is 422 naming the header."""
    await visible_chapter(request, principal, chapter_id)
    await require_leader(request, principal, chapter_id)
    svc = service(request)
    started_by = principal.member_id or principal.role
    bound = None
    if idempotency_key:
        bound = await _bound_key(request, started_by, idempotency_key, {"file": file, "roster": roster})
        await idempotency.stored(svc.pool, bound)  # the key answered other files: KeyReused (422)
    if idempotency_key and (first := await import_jobs.find_retried(svc.pool, started_by, chapter_id,
                                                                   idempotency_key)) is not None:
        return _accepted(first)
    if file is None and roster is None:
        raise InvalidField("file", "upload a slips file ('file') and/or a roster file ('roster')")
    slips_sheet, slips_name = await _read(file, read_slips, "file")
    roster_sheet, roster_name = await _read(roster, read_roster, "roster")
    job_id = f"imp-{uuid.uuid4().hex[:16]}"
    files = {k: v for k, v in (("slips", slips_name), ("roster", roster_name)) if v is not None}
    total = (len(slips_sheet.rows) if slips_sheet else 0) + (len(roster_sheet.rows) if roster_sheet else 0)
    row = await import_jobs.create(svc.pool, job_id=job_id, chapter_id=chapter_id, started_by=started_by,
                                   idempotency_key=idempotency_key, dry_run=dry_run, files=files, total=total)
    if row is None:  # the same key, at the same moment, from another request: that one's job
        assert idempotency_key is not None
        first = await import_jobs.find_retried(svc.pool, started_by, chapter_id, idempotency_key)
        assert first is not None
        return _accepted(first)
    if bound is not None:
        with contextlib.suppress(asyncpg.UniqueViolationError):  # a concurrent upload bound it first
            await idempotency.store(svc.pool, bound, 202, {"job_id": job_id})
    ctx = ImportContext(pool=svc.pool, principal=principal, chapter_id=chapter_id, job_id=job_id,
                        dry_run=dry_run, clock=request.app.state.clock, token_secret=svc.settings.token_secret)
    last_saved = [0.0]

    async def progress(done: int, total: int) -> None:
        if time.monotonic() - last_saved[0] >= PROGRESS_EVERY_SECONDS:
            last_saved[0] = time.monotonic()
            await import_jobs.progress(svc.pool, job_id, done, total)

    ctx.on_progress = progress

    async def beat() -> None:
        while True:
            await asyncio.sleep(import_jobs.HEARTBEAT_SECONDS)
            with contextlib.suppress(Exception):
                await import_jobs.heartbeat(svc.pool, job_id)

    async def run() -> None:
        heart = asyncio.create_task(beat())
        try:
            await import_jobs.running(svc.pool, job_id)
            report = await import_history(ctx, roster=roster_sheet, slips=slips_sheet)
            await import_jobs.finish(svc.pool, job_id, result=report.as_dict("all"))
        except DomainError as exc:
            await import_jobs.finish(svc.pool, job_id, error=exc.message)
        except Exception as exc:  # reported on the job, never lost in a background task
            log.exception("import %s failed", job_id)
            await import_jobs.finish(svc.pool, job_id, error=f"{type(exc).__name__}: {exc}")
        finally:
            heart.cancel()

    task = asyncio.create_task(run(), name=job_id)
    _RUNNING.add(task)  # a reference, so the task is not collected while it runs
    task.add_done_callback(_RUNNING.discard)
    return _accepted(row)


_RUNNING: set[asyncio.Task[None]] = set()


def _accepted(row: Any) -> JSONResponse:
    location = f"/chapters/{row['chapter_id']}/imports/{row['job_id']}"
    return JSONResponse(import_jobs.body(row, "none"), status_code=202, headers={"Location": location})


@router.get("/chapters/{chapter_id}/imports/{job_id}")
async def get_import(request: Request, chapter_id: str, job_id: str, principal: Caller,
                     rows: Annotated[Literal["all", "problems", "none"],
                                     Query(description="Which row results to include.")] = "all",
                     limit: Annotated[int, Query(ge=1, le=2 * MAX_ROWS, description="Row results to include "
                                                 "at most (a job has at most 2 x 100,000 rows).")] = 2 * MAX_ROWS,
                     offset: Annotated[int, Query(ge=0, le=2 * MAX_ROWS,
                                                  description="Row results to skip first.")] = 0,
                     ) -> dict[str, Any]:
    """An import job (leaders): status (queued, running, done, failed), progress and, once done, the
    result of every row (recorded / would record / already imported / refused with the reason)."""
    await visible_chapter(request, principal, chapter_id)
    await require_leader(request, principal, chapter_id)
    found = await import_jobs.find(service(request).pool, chapter_id, job_id)
    if found is None:
        raise NotFound(f"no import job {job_id} in this chapter")
    job = import_jobs.body(found, rows)
    if "result" in job:
        job["result"]["rows"] = job["result"]["rows"][offset:offset + limit]
    return job
