"""What an import answers: each row's outcome (recorded, would record, already imported, refused with
the field and why) and the counts."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, Literal

RowStatus = Literal["recorded", "would record", "already imported", "refused"]


@dataclass
class RowResult:
    file: Literal["roster", "slips"]
    row: int
    row_id: str
    status: RowStatus
    kind: str | None = None
    field: str | None = None
    message: str | None = None
    recorded: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass
class ImportReport:
    chapter_id: str
    dry_run: bool
    unknown_columns: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    rows: list[RowResult] = dataclasses.field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for r in self.rows:
            out.setdefault(r.file, Counter())[r.status] += 1
        return {k: dict(v) for k, v in out.items()}

    def recorded_kinds(self) -> dict[str, int]:
        return dict(Counter(r.kind or "" for r in self.rows
                            if r.file == "slips" and r.status in ("recorded", "would record")))

    def as_dict(self, rows: Literal["all", "problems", "none"] = "all") -> dict[str, Any]:
        chosen = [] if rows == "none" else [r for r in self.rows if rows == "all" or r.status == "refused"]
        return {"chapter_id": self.chapter_id, "dry_run": self.dry_run, "unknown_columns": self.unknown_columns,
                "counts": self.counts(), "slips_by_kind": self.recorded_kinds(),
                "rows": [{k: v for k, v in asdict(r).items() if v not in (None, {})} for r in chosen]}
