"""A report as the caller asked for it: JSON, or CSV of one table; and the rendered reports kept for reuse."""

from __future__ import annotations

import csv
import io
import zlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pydantic_core
from fastapi.responses import Response

from shared.http_errors import invalid_field
from shared.metrics import report_cache

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, CSV injection)."""


def csv_cell(value: Any) -> Any:
    """A CSV cell: text people typed (names, businesses, categories, reasons) that a spreadsheet would run
    as a formula gets a leading `'`, so it is shown, not run. Only text: numbers the service computed
    (a negative balance, an index of -0.5) stay numbers a spreadsheet can sum."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def render(report: dict[str, Any], fmt: str | None, table: str | None, stale: bool) -> Response:
    headers = {"X-Refnet-Stale": "true"} if stale else {}
    if fmt == "xlsx":
        from services.referrals.entrypoints.spreadsheet import workbook  # openpyxl only when asked

        names = [k for k, v in report.items() if isinstance(v, list)]
        if table is not None and table not in names:
            raise invalid_field("query", "table", f"table must be one of {', '.join(names)}")
        headers["Content-Disposition"] = f'attachment; filename="{table or (names or ["report"])[0]}.xlsx"'
        return Response(workbook(report, table), media_type=XLSX, headers=headers)
    if fmt == "csv":
        tables = {k: v for k, v in report.items() if isinstance(v, list)}
        name = table or next(iter(tables), None)
        if name not in tables:
            raise invalid_field("query", "table", f"table must be one of {', '.join(tables)}")
        rows = tables[name]
        out = io.StringIO()
        if rows:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            for row in rows:
                writer.writerow({k: csv_cell(v) for k, v in row.items()})
        headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return Response(out.getvalue(), media_type="text/csv", headers=headers)
    # encoded once, in Rust (pydantic's encoder: decimals as strings, dates ISO 8601, UTC times with "Z"):
    # a six-month reciprocity report is ~250 KB, and json.dumps with a default hook took 4 ms of it
    content = pydantic_core.to_json({**report, "stale": stale}, inf_nan_mode="null")
    return Response(content, media_type="application/json", headers=headers)


GZIP_LEVEL = 5
"""Reports' gzip level (`app.py`'s middleware and the kept compressions): a six-month reciprocity report (240 KB)
took ~10 ms to compress at 9 and takes ~1.5 ms at 5, for 17% more bytes (phones on slow networks pay for them)."""
GZIP_MINIMUM = 1024
"""Smaller answers go uncompressed."""
GZIP_INLINE = 512 * 1024
"""Larger ones are compressed in a worker thread (by the middleware), smaller ones in the event loop."""


def gzipped(body: bytes) -> bytes:
    """`body` compressed as Starlette's GZipMiddleware compresses a whole body at GZIP_LEVEL (the same bytes)."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(body) + compressor.flush()


@dataclass
class _Kept:
    body: bytes
    media_type: str | None
    headers: dict[str, str]
    compressed: bytes | None = None  # made by the first request that accepts gzip

    def response(self, gzip: bool) -> Response:
        if not gzip or not GZIP_MINIMUM <= len(self.body) < GZIP_INLINE:
            return Response(self.body, media_type=self.media_type, headers=self.headers)
        if self.compressed is None:
            self.compressed = gzipped(self.body)
        # already encoded: the middleware passes it on as it is
        return Response(self.compressed, media_type=self.media_type,
                        headers={**self.headers, "Content-Encoding": "gzip", "Vary": "Accept-Encoding"})


class RenderedReports:
    """Rendered reports by (report, chapter, window, format, staleness, data version): dashboards refetch the
    same reports on every change and several leaders look at the same chapter; nothing is served for a
    version of the data other than the one it was computed from (see ReportReader.version). A report is kept
    compressed too, so a repeated request is not compressed again (~1.2 ms for a six-month reciprocity)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._kept: OrderedDict[tuple[Any, ...], _Kept] = OrderedDict()

    async def get(self, key: tuple[Any, ...], make: Callable[[], Awaitable[Response]], gzip: bool = False) -> Response:
        """The response kept under `key` (which ends with the data version), else `make()`'s, kept; gzipped when
        the caller accepts it (`gzip`) and it is worth it."""
        hit = self._kept.get(key)
        report_cache(str(key[0]), hit is not None)
        if hit is not None:
            self._kept.move_to_end(key)
            return hit.response(gzip)
        response = await make()
        extra = {k: v for k, v in response.headers.items() if k in ("x-refnet-stale", "content-disposition")}
        kept = self._kept[key] = _Kept(bytes(response.body), response.media_type, extra)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return kept.response(gzip)
