"""What the report rules read: rows by column name (a database record or a plain dict)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Row = Mapping[str, Any]
Table = list[dict[str, Any]]
