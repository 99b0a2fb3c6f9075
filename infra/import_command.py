"""`refnet import slips FILE`: a chapter's history from a spreadsheet, through the members API.

Uploads the file (and a roster) to `POST /chapters/{id}/imports`, follows the job with a progress bar
and prints the result: counts and every refused row with its reason. Exit code 1 when a row was refused.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from shared.settings import load_settings


def import_slips(file: Path | str | None, chapter_id: str, roster: Path | str | None = None, dry_run: bool = False,
                 members_url: str = "http://127.0.0.1:8001", token: str | None = None,
                 poll_interval: float = 0.5, timeout: float = 3600.0, echo: Any = print,
                 client: httpx.Client | None = None) -> dict[str, Any]:
    """Run an import job and return its final state (`status`, `progress`, `result` with every row)."""
    if file is None and roster is None:
        raise ValueError("give a slips file, a roster file, or both")
    token = token or load_settings().admin_token
    headers = {"Authorization": f"Bearer {token}"}
    files: dict[str, tuple[str, bytes]] = {}
    for field, path in (("file", file), ("roster", roster)):
        if path is not None:
            files[field] = (Path(path).name, Path(path).read_bytes())
    own = client is None
    http = client or httpx.Client(base_url=members_url, timeout=120)
    try:
        started = http.post(f"/chapters/{chapter_id}/imports", params={"dry_run": str(dry_run).lower()},
                            files=files, headers=headers)
        if started.status_code != 202:
            raise RuntimeError(f"import refused ({started.status_code}): {started.text}")
        location = started.headers["Location"]
        deadline = time.monotonic() + timeout
        last = -1
        while True:
            job: dict[str, Any] = http.get(location, params={"rows": "none"}, headers=headers).json()
            done, total = job["progress"]["done"], job["progress"]["total"]
            if done != last:
                echo(f"  {job['status']:8} {done}/{total} rows ({job['progress']['percent']}%)")
                last = done
            if job["status"] in ("done", "failed"):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"import {job['job_id']} still {job['status']} after {timeout:.0f}s")
            time.sleep(poll_interval)
        if job["status"] == "failed":
            raise RuntimeError(f"import {job['job_id']} failed: {job.get('error')}")
        final: dict[str, Any] = http.get(location, params={"rows": "all"}, headers=headers).json()
    finally:
        if own:
            http.close()
    summarise(final, echo)
    return final


def summarise(job: dict[str, Any], echo: Any = print) -> None:
    result = job["result"]
    echo(("DRY RUN (nothing recorded): " if job["dry_run"] else "") + f"import {job['job_id']}")
    for file, counts in result["counts"].items():
        echo(f"  {file}: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    if result["slips_by_kind"]:
        echo("  slips: " + ", ".join(f"{n} {kind}" for kind, n in sorted(result["slips_by_kind"].items())))
    for file, columns in result["unknown_columns"].items():
        if columns:
            echo(f"  {file}: ignored unknown column(s): {', '.join(columns)} (see docs/import.md)")
    for row in result["rows"]:
        if row["status"] == "refused":
            echo(f"  {row['file']} {row['message']}")


def refused_rows(job: dict[str, Any]) -> int:
    return sum(1 for row in job["result"]["rows"] if row["status"] == "refused")
