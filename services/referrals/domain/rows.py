"""What the report rules read: rows by column name (a database record or a plain dict); and a table held
column by column."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Row = Mapping[str, Any]
Table = list[dict[str, Any]]


@dataclass(frozen=True)
class Columns:
    """A report table held as one sequence per column (`names[i]` is `columns[i]`'s), all of one length: the
    reports' JSON encoder writes it without a dict per row (a six-month reciprocity report has ~900 rows).
    Iterating gives its rows as dicts, as a `Table`'s (CSV, workbooks, tests)."""

    names: tuple[str, ...]
    columns: tuple[Sequence[Any], ...]

    def rows(self) -> Table:
        return [dict(zip(self.names, r, strict=True)) for r in zip(*self.columns, strict=True)]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows())

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0


def unzip(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """Rows by position as `width` columns."""
    return [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
