"""The one piece of news an import makes: `HistoryImported`, with what it recorded and the days it spans.
Its slips are history (their events are marked `imported`), so nobody is told about them one by one."""

from __future__ import annotations

from datetime import date

from services.members.service_layer.imports.report import ImportReport
from shared.contracts.members import HistoryImported
from shared.event_store import EventStore, NewEvent


def history_imported(report: ImportReport, job_id: str, today: date) -> HistoryImported | None:
    """None for a dry run or an import that recorded no slip (a re-import, say)."""
    recorded = [r for r in report.rows if r.file == "slips" and r.status == "recorded"]
    days = sorted(date.fromisoformat(r.recorded["occurred_on"]) for r in recorded if "occurred_on" in r.recorded)
    if report.dry_run or not days:
        return None
    kinds: dict[str, int] = {}
    for r in recorded:
        kinds[r.kind or "slip"] = kinds.get(r.kind or "slip", 0) + 1
    return HistoryImported(chapter_id=report.chapter_id, job_id=job_id, slips=kinds, first_on=days[0],
                           last_on=days[-1], imported_on=today)


async def record_history_imported(store: EventStore, event: HistoryImported, imported_by: str | None) -> None:
    """Appended to the import job's own stream, once (a job that is run again finds it there)."""
    await store.append(f"import-{event.job_id}", 0, [NewEvent.of(event, event.chapter_id,
                                                                 imported_by=imported_by)])
