"""Reading a chapter's history from a spreadsheet: CSV or .xlsx, one row per slip (or per member).

Column names are matched through an explicit table (`SLIP_COLUMNS`, `ROSTER_COLUMNS`) after
normalising them: case, spaces and punctuation do not matter ("Thank you to", "THANK_YOU_TO" and
"thank-you-to" are one name). A column the table does not know is reported and its values ignored,
never guessed at; a required column that is missing refuses the whole file.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

Cell = str | int | float | Decimal | date | datetime | None


def normalise_header(header: str) -> str:
    """`' Thank-you To '` -> `'thankyouto'`: letters and digits only, case-folded."""
    return "".join(ch for ch in str(header).casefold() if ch.isalnum())


def _table(spec: dict[str, tuple[str, ...]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for canonical, aliases in spec.items():
        for alias in (canonical, *aliases):
            key = normalise_header(alias)
            assert key not in table or table[key] == canonical, f"alias {alias!r} maps to two fields"
            table[key] = canonical
    return table


# canonical field -> header spellings accepted for it (compared after `normalise_header`)
SLIP_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("Date", "Slip date", "Occurred on", "Date of slip", "Happened on", "Meeting date", "Week of"),
    "slip_type": ("Type", "Slip type", "Slip", "Kind", "Slip kind"),
    "from": ("From", "From member", "Giver", "Given by", "Referral from", "Reported by", "Member",
             "Submitted by", "By"),
    "to": ("To", "To member", "Receiver", "Received by", "Given to", "Referral to", "Thank you to",
           "Thanked", "Thanked member", "With", "With member", "1-2-1 with", "One-to-one with", "Met with"),
    "referral_type": ("Referral type", "Inside/Outside", "Inside or outside", "In/Out", "Ref type"),
    "temperature": ("Temperature", "Temp", "Hot", "Heat", "Referral temperature"),
    "amount": ("Amount", "TYFCB", "TYFCB amount", "Value", "Revenue", "Closed business amount",
               "Business value", "Amount (ex tax)", "Amount ex VAT"),
    "business_kind": ("New/Repeat", "New or repeat", "Business type", "Business kind", "Repeat"),
    "comment": ("Comment", "Comments", "Notes", "Note", "Remarks", "Description", "Details"),
    "mode": ("Mode", "Meeting mode", "Where", "Met how"),
    "credits": ("Credits", "CEU credits", "CEUs"),
    "visitor": ("Visitor", "Visitor name", "Guest", "Guest name"),
    "visitor_business": ("Visitor business", "Visitor company", "Guest business"),
    "prospect": ("Prospect", "Prospect name", "Contact", "Contact name", "Referral name"),
    "prospect_phone": ("Prospect phone", "Contact phone", "Phone"),
    "prospect_email": ("Prospect email", "Prospect e-mail", "Contact email", "Contact e-mail"),
    "prospect_company": ("Prospect company", "Contact company", "Company"),
}
ROSTER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("Name", "Member", "Member name", "Full name"),
    "business": ("Business", "Business name", "Company", "Company name"),
    "category": ("Category", "Classification", "Profession", "Business category"),
    "email": ("E-mail", "Email", "Email address", "E-mail address", "Mail"),
    "phone": ("Phone", "Telephone", "Mobile", "Phone number"),
    "joined_on": ("Joined", "Joined on", "Join date", "Joined date", "Date joined", "Member since",
                  "Induction date"),
}
SLIP_COLUMNS = _table(SLIP_ALIASES)
ROSTER_COLUMNS = _table(ROSTER_ALIASES)
SLIP_REQUIRED = ("date", "slip_type", "from")
PALMS_SUMMARY = frozenset(("rgi", "rgo", "rri", "rro", "tyfcb"))
"""The headers of a PALMS summary's totals columns (BNI Connect's weekly or summary PALMS export)."""
ROSTER_REQUIRED = ("name", "business", "category", "email")


class FileRefused(ValueError):
    """The file as a whole cannot be read (format, missing or doubled columns); no row is imported."""


@dataclass(frozen=True)
class SheetRow:
    number: int
    """The row number a spreadsheet shows (the header is row 1)."""
    values: dict[str, Cell]
    """Canonical field -> cell (only mapped columns; empty cells are None)."""


@dataclass
class Sheet:
    columns: dict[str, str]
    """Header as written -> canonical field."""
    unknown_columns: list[str] = field(default_factory=list)
    rows: list[SheetRow] = field(default_factory=list)


MAX_ROWS = 100_000
"""Rows a sheet may have, blank ones between included (a spreadsheet's row numbers are what is counted)."""
MAX_COLUMNS = 50
"""Columns a row may use, up to its last non-blank cell."""
MAX_CELLS = 2_000_000
"""Cells read in all, empty ones up to each row's last stored cell included: it bounds the work as well."""
MAX_XLSX_UNPACKED = 256 * 1024 * 1024
"""Bytes an .xlsx may unpack to (what its parts declare; reading never goes beyond a declared size)."""


def _raw_rows(data: bytes, filename: str) -> list[list[Cell]]:
    """The file's rows, refused as a whole past the limits above. Reading is synchronous: callers on an
    event loop run it in a thread (it parses up to MAX_CELLS cells)."""
    suffix = Path(filename).suffix.casefold()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(data, filename)
    if suffix in (".csv", ".txt", ""):
        return _csv_rows(data, filename)
    raise FileRefused(f"{filename}: unsupported file type {suffix!r} (use .csv or .xlsx)")


def _within_limits(rows: Iterable[Sequence[Cell]], filename: str) -> list[list[Cell]]:
    out: list[list[Cell]] = []
    cells = 0
    for number, row in enumerate(rows, start=1):
        if number > MAX_ROWS:
            raise FileRefused(f"{filename}: more than {MAX_ROWS} rows (the limit, blank rows included): "
                              "split the file")
        cells += len(row)
        if cells > MAX_CELLS:
            raise FileRefused(f"{filename}: more than {MAX_CELLS} cells (the limit): split the file")
        values = list(row)
        while values and _blank(values[-1]):
            values.pop()
        if len(values) > MAX_COLUMNS:
            raise FileRefused(f"{filename}: row {number} has more than {MAX_COLUMNS} columns (the limit): "
                              "keep only the columns the import reads")
        out.append(values)
    return out


def _csv_rows(data: bytes, filename: str) -> list[list[Cell]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # what older spreadsheet exports on Windows write
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return _within_limits(csv.reader(io.StringIO(text, newline=""), dialect), filename)
    except csv.Error as exc:  # e.g. a field longer than csv.field_size_limit()
        raise FileRefused(f"{filename}: not a readable CSV file: {exc}") from None


def _xlsx_rows(data: bytes, filename: str) -> list[list[Cell]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise FileRefused(f"{filename}: not a readable .xlsx workbook: {exc}") from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise FileRefused(f"{filename}: the workbook unpacks to more than {MAX_XLSX_UNPACKED // (1024 * 1024)} MB "
                          "(the limit): split it")
    try:
        # read_only streams the sheet's XML row by row instead of building every cell in memory
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileRefused(f"{filename}: not a readable .xlsx workbook: {exc}") from None
    try:
        if not workbook.worksheets:
            raise FileRefused(f"{filename}: the workbook has no worksheet")
        sheet: Any = workbook.worksheets[0]
        # Never trust the declared <dimension>: with A1:XFD1048576 openpyxl would pad every row to 16,384
        # cells and add rows up to 1,048,576. Without it, rows are as long as their last stored cell.
        sheet.reset_dimensions()
        try:
            return _within_limits(sheet.iter_rows(values_only=True), filename)
        except FileRefused:
            raise
        except Exception as exc:  # malformed sheet XML, a cell reference beyond the sheet
            raise FileRefused(f"{filename}: not a readable .xlsx workbook: {exc}") from None
    finally:
        workbook.close()


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def read_sheet(data: bytes, filename: str, table: dict[str, str], required: Iterable[str]) -> Sheet:
    raw = _raw_rows(data, filename)
    start = next((i for i, r in enumerate(raw) if any(not _blank(c) for c in r)), None)
    if start is None:
        raise FileRefused(f"{filename}: the file is empty")
    header = raw[start]
    columns: dict[str, str] = {}
    positions: dict[int, str] = {}
    unknown: list[str] = []
    for index, cell in enumerate(header):
        if _blank(cell):
            continue
        name = str(cell).strip()
        canonical = table.get(normalise_header(name))
        if canonical is None:
            unknown.append(name)
            continue
        if canonical in columns.values():
            first = next(h for h, c in columns.items() if c == canonical)
            raise FileRefused(f"{filename}: columns {first!r} and {name!r} both mean '{canonical}': keep one")
        columns[name] = canonical
        positions[index] = canonical
    missing = [f for f in required if f not in columns.values()]
    if missing and PALMS_SUMMARY <= {normalise_header(str(h)) for h in header if not _blank(h)}:
        raise FileRefused(f"{filename}: this is a PALMS summary (each member's totals: P A L M S, RGI RGO ...), "
                          "which does not say who gave whom: export the slips themselves (one row per slip: "
                          "date, slip type, from, to, amount ...) and import that file")
    if missing:
        raise FileRefused(f"{filename}: missing column(s) {', '.join(missing)} (headers found: "
                          f"{', '.join(str(h) for h in header if not _blank(h))})")
    sheet = Sheet(columns, unknown)
    for offset, cells in enumerate(raw[start + 1:], start=start + 2):
        if all(_blank(c) for c in cells):
            continue
        values: dict[str, Cell] = {}
        for index, canonical in positions.items():
            cell = cells[index] if index < len(cells) else None
            values[canonical] = None if _blank(cell) else (cell.strip() if isinstance(cell, str) else cell)
        sheet.rows.append(SheetRow(offset, values))
    return sheet


def read_slips(data: bytes, filename: str) -> Sheet:
    return read_sheet(data, filename, SLIP_COLUMNS, SLIP_REQUIRED)


def read_roster(data: bytes, filename: str) -> Sheet:
    return read_sheet(data, filename, ROSTER_COLUMNS, ROSTER_REQUIRED)


def write_xlsx(rows: list[list[Any]]) -> bytes:
    """A one-sheet workbook (tests, examples): the first row is the header."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
