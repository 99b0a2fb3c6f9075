"""The PALMS report in the layout chapters know from their printed weekly report: one row per member with
P A L M S (meetings present, absent, late, medical, substituted), RGI RGO (referrals given inside / outside),
RRI RRO (received inside / outside), V (visitors they brought who attended), 1-2-1, TYFCB (the value of
the closed business they thanked others for: the slips they handed in) and CEU; then the chapter's totals.

Over a week or a calendar month: a month's row adds up its meetings. Tier-3 referrals (spin-off business
from a past referral) are third-party business, so they count as outside. Disputed closed business is left
out, as on the weekly report.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from services.referrals.domain.rows import Row, Table

COLUMNS = ("P", "A", "L", "M", "S", "RGI", "RGO", "RRI", "RRO", "V", "1-2-1", "TYFCB", "CEU")


def month_of(day: date) -> tuple[date, date]:
    """The calendar month holding `day`: its first and last days."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


class PalmsTally:
    """Slips of a period added up in the PALMS columns, per member and for the chapter."""

    def __init__(self, members: Iterable[Row]) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        for m in members:
            self.row(m["member_id"], m["member_name"], m["business"])

    def row(self, member_id: str, name: str | None = None, business: str | None = None) -> dict[str, Any]:
        out = self.rows.get(member_id)
        if out is None:
            out = self.rows[member_id] = {"member_id": member_id, "member_name": name, "business": business,
                                          **dict.fromkeys(COLUMNS, 0), "TYFCB": Decimal(0)}
        return out

    def add(self, s: Row) -> None:
        """One slip of the weekly report's query (kind, member_id, other_id and the kind's figures)."""
        kind, mine = s["kind"], self.row(s["member_id"])
        if kind == "attendance":
            mine[s["mark"] if s["mark"] in "PALMS" else "P"] += 1
        elif kind == "referral":
            side = "I" if s["referral_type"] == "inside" else "O"
            mine["RG" + side] += 1
            self.row(s["other_id"])["RR" + side] += 1
        elif kind == "closed-business":  # reported by the member who got the business, thanking the giver
            mine["TYFCB"] += s["amount"]
        elif kind == "one-to-one":
            mine["1-2-1"] += 1
            if s["other_id"] not in (None, s["member_id"]):
                self.row(s["other_id"])["1-2-1"] += 1
        elif kind == "ceu":
            mine["CEU"] += s["credits"]
        elif kind == "visitor-attended":
            mine["V"] += 1

    def table(self) -> Table:
        """Members by name, then one `Total` row (members counted in `member_id`)."""
        rows = sorted(self.rows.values(), key=lambda r: (r["member_name"] is None, r["member_name"] or "",
                                                         r["member_id"]))
        total: dict[str, Any] = {"member_id": None, "member_name": "Total", "business": f"{len(rows)} members",
                                 **{c: sum((r[c] for r in rows), Decimal(0) if c == "TYFCB" else 0) for c in COLUMNS}}
        return [*rows, total]
