"""A report as an Excel workbook (.xlsx): one sheet per table, a header row, then the rows; numbers and
dates as the spreadsheet's own types so they can be summed and sorted."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from services.referrals.entrypoints.rendering import FORMULA_STARTS

SHEET_NAME_LENGTH = 31  # Excel's limit


def workbook(report: dict[str, Any], only: str | None = None) -> bytes:
    """The report's list-valued entries as sheets (`only`: that one). Text people typed never becomes a
    formula: a cell is stored as a string, whatever it starts with (a name `=HYPERLINK(...)` stays a name)."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in report.items():
        if not isinstance(rows, list) or (only and name != only):
            continue
        sheet = book.create_sheet(name[:SHEET_NAME_LENGTH])
        columns = list(rows[0]) if rows else []
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_value(row.get(c)) for c in columns])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    cell.data_type = "s"
    if not book.sheetnames:
        book.create_sheet("report")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, date | int | float | str) or value is None:
        return value
    return str(value)
