"""Hostile spreadsheets: a declared dimension of the whole sheet, too many rows, columns or cells, a zip
that unpacks to too much, an overlong CSV field. Each is refused as a whole (or read as what it really
holds), quickly and in little memory."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest

from services.members.adapters import slip_files
from services.members.adapters.slip_files import FileRefused, read_slips, write_xlsx
from tests.unit.members.hostile_sheets import (
    dimension_bomb,
    far_row,
    slips,
    too_many_columns,
    wide_styled_rows,
)


def test_a_declared_dimension_of_the_whole_sheet_reads_only_the_real_rows_in_little_memory() -> None:
    data = dimension_bomb()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b'<dimension ref="A1:XFD1048576"/>' in archive.read("xl/worksheets/sheet1.xml")
    tracemalloc.start()
    try:
        sheet = read_slips(data, "slips.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [r.values["comment"] for r in sheet.rows] == ["book 0", "book 1"]
    assert peak < 20 * 1024 * 1024, peak


@pytest.mark.parametrize(("data", "limit"), [
    (too_many_columns(), "more than 50 columns"),
    (far_row(100_001), "more than 100000 rows"),
    (wide_styled_rows(130), "more than 2000000 cells"),
])
def test_a_sheet_past_a_limit_is_refused_naming_it(data: bytes, limit: str) -> None:
    assert len(data) < 100_000  # small files: the limits hold whatever a file declares or pads to
    with pytest.raises(FileRefused, match=limit):
        read_slips(data, "slips.xlsx")


def test_the_limits_are_inclusive() -> None:
    assert len(read_slips(far_row(100_000), "slips.xlsx").rows) == 3
    assert len(read_slips(too_many_columns(50), "slips.xlsx").rows) == 2


def test_csv_files_have_the_same_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slip_files, "MAX_ROWS", 10)
    with pytest.raises(FileRefused, match="more than 10 rows"):
        read_slips(("Date,Type,From\n" + "2025-01-01,CEU,Pat\n" * 10).encode(), "slips.csv")
    with pytest.raises(FileRefused, match="more than 50 columns"):
        read_slips(("Date,Type,From" + ",x" * 48 + "\n").encode(), "slips.csv")
    with pytest.raises(FileRefused, match="not a readable CSV"):
        read_slips(b'Date,Type,From\n"' + b"x" * 200_000 + b'",CEU,Pat\n', "slips.csv")


def test_a_workbook_that_unpacks_to_too_much_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = write_xlsx(slips())
    monkeypatch.setattr(slip_files, "MAX_XLSX_UNPACKED", 1000)
    with pytest.raises(FileRefused, match="unpacks to more than"):
        read_slips(data, "slips.xlsx")
    with pytest.raises(FileRefused, match=r"not a readable \.xlsx"):
        read_slips(b"PK\x03\x04 not really a zip", "slips.xlsx")
