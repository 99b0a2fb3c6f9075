"""Import of a chapter's history (leaders): upload a slips file (and a roster), follow the job.

Jobs run in this process and are kept in memory: a restart loses the job's status, never its effect
(every recorded row is committed; uploading the same file again records nothing twice).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from services.members.adapters.slip_files import FileRefused, Sheet, read_roster, read_slips
from services.members.domain.errors import DomainError, InvalidField, NotFound
from services.members.entrypoints.deps import (
    Caller,
    IdempotencyHeader,
    require_leader,
    service,
    visible_chapter,
)
from services.members.service_layer.imports import ImportContext, ImportReport, import_history

router = APIRouter(tags=["import of history"])
log = logging.getLogger(__name__)
MAX_UPLOAD = 50 * 1024 * 1024

JobStatus = Literal["queued", "running", "done", "failed"]


@dataclass
class ImportJob:
    job_id: str
    chapter_id: str
    dry_run: bool
    files: dict[str, str]
    status: JobStatus = "queued"
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    error: str | None = None
    report: ImportReport | None = None
    task: asyncio.Task[None] | None = None

    def body(self, rows: Literal["all", "problems", "none"] = "all") -> dict[str, Any]:
        elapsed = (self.finished or time.monotonic()) - self.started
        out: dict[str, Any] = {
            "job_id": self.job_id, "chapter_id": self.chapter_id, "status": self.status, "dry_run": self.dry_run,
            "files": self.files, "progress": {"done": self.done, "total": self.total,
                                              "percent": round(100 * self.done / self.total, 1) if self.total else 0},
            "elapsed_seconds": round(elapsed, 3)}
        if self.error is not None:
            out["error"] = self.error
        if self.report is not None:
            out["result"] = self.report.as_dict(rows)
        return out


def _jobs(request: Request) -> dict[str, ImportJob]:
    state = request.app.state
    if not hasattr(state, "import_jobs"):
        state.import_jobs = {}
    jobs: dict[str, ImportJob] = state.import_jobs
    return jobs


def _by_key(request: Request) -> dict[tuple[str, str, str | None], str]:
    """Idempotency-Key → the job it started (kept as long as the jobs are)."""
    state = request.app.state
    if not hasattr(state, "import_keys"):
        state.import_keys = {}
    keys: dict[tuple[str, str, str | None], str] = state.import_keys
    return keys


async def _read(upload: UploadFile | None, reader: Any, what: str) -> tuple[Sheet | None, str | None]:
    if upload is None:
        return None, None
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidField(what, f"the file is larger than {MAX_UPLOAD // (1024 * 1024)} MB: split it")
    name = upload.filename or f"{what}.csv"
    try:
        sheet: Sheet = reader(data, name)
    except FileRefused as exc:
        raise InvalidField(what, str(exc)) from None
    return sheet, name


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
    returns the first job instead of starting another."""
    await visible_chapter(request, principal, chapter_id)
    await require_leader(request, principal, chapter_id)
    retry_of = (principal.member_id or principal.role, chapter_id, idempotency_key)
    if idempotency_key and (first := _jobs(request).get(_by_key(request).get(retry_of, ""))) is not None:
        location = f"/chapters/{chapter_id}/imports/{first.job_id}"
        return JSONResponse(first.body("none"), status_code=202, headers={"Location": location})
    if file is None and roster is None:
        raise InvalidField("file", "upload a slips file ('file') and/or a roster file ('roster')")
    slips_sheet, slips_name = await _read(file, read_slips, "file")
    roster_sheet, roster_name = await _read(roster, read_roster, "roster")
    job = ImportJob(f"imp-{uuid.uuid4().hex[:16]}", chapter_id, dry_run,
                    {k: v for k, v in (("slips", slips_name), ("roster", roster_name)) if v is not None})
    job.total = (len(slips_sheet.rows) if slips_sheet else 0) + (len(roster_sheet.rows) if roster_sheet else 0)
    svc = service(request)
    ctx = ImportContext(pool=svc.pool, principal=principal, chapter_id=chapter_id, job_id=job.job_id,
                        dry_run=dry_run, clock=request.app.state.clock, token_secret=svc.settings.token_secret)

    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total

    ctx.on_progress = progress

    async def run() -> None:
        job.status = "running"
        try:
            job.report = await import_history(ctx, roster=roster_sheet, slips=slips_sheet)
            job.status = "done"
        except DomainError as exc:
            job.status, job.error = "failed", exc.message
        except Exception as exc:  # reported on the job, never lost in a background task
            log.exception("import %s failed", job.job_id)
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            job.finished = time.monotonic()

    _jobs(request)[job.job_id] = job
    if idempotency_key:
        _by_key(request)[retry_of] = job.job_id
    job.task = asyncio.create_task(run(), name=job.job_id)
    location = f"/chapters/{chapter_id}/imports/{job.job_id}"
    return JSONResponse(job.body("none"), status_code=202, headers={"Location": location})


@router.get("/chapters/{chapter_id}/imports/{job_id}")
async def get_import(request: Request, chapter_id: str, job_id: str, principal: Caller,
                     rows: Annotated[Literal["all", "problems", "none"],
                                     Query(description="Which row results to include.")] = "all",
                     ) -> dict[str, Any]:
    """An import job (leaders): status (queued, running, done, failed), progress and, once done, the
    result of every row (recorded / would record / already imported / refused with the reason)."""
    await visible_chapter(request, principal, chapter_id)
    await require_leader(request, principal, chapter_id)
    job = _jobs(request).get(job_id)
    if job is None or job.chapter_id != chapter_id:
        raise NotFound(f"no import job {job_id} in this chapter")
    return job.body(rows)
