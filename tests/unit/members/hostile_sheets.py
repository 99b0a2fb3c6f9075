"""Small files that claim (or hold) far more than they look: for the import's limits."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from services.members.adapters.slip_files import write_xlsx

HEADER = ["Date", "Type", "From", "Credits", "Comment"]


def slips(n: int = 2, sender: str = "pat@example.com") -> list[list[Any]]:
    return [HEADER, *([f"2025-01-{d + 1:02d}", "CEU", sender, 1, f"book {d}"] for d in range(n))]


def with_dimension(data: bytes, ref: str = "A1:XFD1048576") -> bytes:
    """The workbook with its first sheet's declared <dimension> replaced (the cells stay as they are)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), content)
                assert n == 1
            dst.writestr(info, content)
    return out.getvalue()


def dimension_bomb() -> bytes:
    return with_dimension(write_xlsx(slips()))


def too_many_columns(columns: int = 51) -> bytes:
    return write_xlsx([HEADER + [f"Extra {i}" for i in range(columns - len(HEADER))], *slips()[1:]])


def far_row(row: int = 100_001) -> bytes:
    """Two real rows and one cell at row `row`: a few KB."""
    workbook = Workbook()
    sheet: Any = workbook.active
    for values in slips():
        sheet.append(values)
    sheet.cell(row=row, column=1, value="x")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def wide_styled_rows(rows: int = 130) -> bytes:
    """Each row: a value in A and a styled empty cell in XFD, so a reader pads it to 16,384 cells."""
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.append(HEADER)
    for r in range(2, rows + 2):
        sheet.cell(row=r, column=1, value="2025-01-01")
        sheet.cell(row=r, column=16_384).font = Font(bold=True)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
