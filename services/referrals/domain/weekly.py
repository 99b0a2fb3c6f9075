"""The weekly slip report (PALMS): what each member did in a week, and how late the slips were recorded."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from services.referrals.domain.rows import Row, Table

LATE_AFTER_DAYS = 1
"""A slip is late when recorded more than this many days after the day it happened (the paper slips of
Wednesday's meeting keyed in on Thursday are on time; on Friday they are late)."""

ONE_PLACE = Decimal("0.1")
MARKS = {"P": "present", "A": "absent", "L": "late", "M": "medical", "S": "substitute"}


def days_late(occurred_on: date, recorded_on: date | None) -> int | None:
    """Whole days from the day a slip happened to the day (chapter time) it was recorded; None unknown."""
    if recorded_on is None:
        return None
    return max(0, (recorded_on - occurred_on).days)


def lateness(days: list[int | None]) -> dict[str, int | Decimal | None]:
    """How late a set of slips was recorded: how many, how many late, median and max days late (over
    the slips whose recorded time is known)."""
    known = sorted(d for d in days if d is not None)
    n = len(known)
    median: Decimal | None = None
    if n:
        mid = n // 2
        median = Decimal(known[mid]) if n % 2 else Decimal(known[mid - 1] + known[mid]) / 2
        median = median.quantize(ONE_PLACE, ROUND_HALF_UP)
    return {"slips": len(days), "slips_recorded_late": sum(1 for d in known if d > LATE_AFTER_DAYS),
            "slips_recorded_unknown": len(days) - n, "median_days_late": median,
            "max_days_late": known[-1] if known else None}


class WeeklyTally:
    """Slips of one week added up per member and for the chapter. A slip counts in the row of every member
    it involves (a referral: giver and receiver; closed business: the member who reported it and the one
    thanked; a one-to-one: both; attendance, CEU: the member; a visitor: who invited them), so each row's
    lateness says how late that row's figures are; the chapter's totals count every slip once."""

    def __init__(self, members: Iterable[Row]) -> None:
        self.info = {m["member_id"]: m for m in members}
        self.rows: dict[str, dict[str, Any]] = {}
        self.row_days: dict[str, list[int | None]] = {}
        for member_id in self.info:
            self.row(member_id)
        self.total: dict[str, Any] = {
            "members": len(self.info), "present": 0, "absent": 0, "late": 0, "medical": 0, "substitute": 0,
            "referrals_given": 0, "referrals_given_inside": 0, "referrals_given_outside": 0,
            "referrals_given_tier_3": 0, "visitors_invited": 0, "visitors_attended": 0, "one_to_ones": 0,
            "tyfcb": Decimal(0), "ceus": 0}
        self.all_days: list[int | None] = []
        self.by_kind: dict[str, list[int | None]] = {}
        self.late_rows: Table = []

    def name(self, member_id: str | None) -> str | None:
        return self.info[member_id]["member_name"] if member_id in self.info else None

    def row(self, member_id: str) -> dict[str, Any]:
        out = self.rows.get(member_id)
        if out is None:
            m = self.info.get(member_id)
            out = self.rows[member_id] = {
                "member_id": member_id, "member_name": m["member_name"] if m else None,
                "business": m["business"] if m else None, "meeting_date": None, "attendance": None,
                "referrals_given": 0, "referrals_given_inside": 0, "referrals_given_outside": 0,
                "referrals_given_tier_3": 0, "referrals_received": 0, "visitors_invited": 0,
                "visitors_attended": 0, "one_to_ones": 0, "tyfcb_as_giver": Decimal(0),
                "tyfcb_as_receiver": Decimal(0), "ceus": 0}
            self.row_days[member_id] = []
        return out

    def add(self, s: Row) -> None:
        """One slip: kind, slip_id, member_id, other_id, occurred_on, recorded_on and the kind's figures."""
        kind, who, other = s["kind"], s["member_id"], s["other_id"]
        late = days_late(s["occurred_on"], s["recorded_on"])
        self.all_days.append(late)
        self.by_kind.setdefault(kind, []).append(late)
        involved = [who] if other is None or other == who else [who, other]
        for member_id in involved:
            self.row(member_id)
            self.row_days[member_id].append(late)
        mine, total = self.rows[who], self.total
        if kind == "referral":
            key = "referrals_given_" + (s["referral_type"] or "outside").replace("-", "_")
            for out in (mine, total):
                out["referrals_given"] += 1
                if key in out:
                    out[key] += 1
            self.rows[other]["referrals_received"] += 1
        elif kind == "closed-business":  # reported by the receiver, crediting (thanking) the giver
            mine["tyfcb_as_receiver"] += s["amount"]
            self.rows[other]["tyfcb_as_giver"] += s["amount"]
            total["tyfcb"] += s["amount"]
        elif kind == "one-to-one":
            for member_id in involved:
                self.rows[member_id]["one_to_ones"] += 1
            total["one_to_ones"] += 1
        elif kind == "ceu":
            mine["ceus"] += s["credits"]
            total["ceus"] += s["credits"]
        elif kind == "attendance":
            if mine["meeting_date"] is None or s["occurred_on"] >= mine["meeting_date"]:
                mine["meeting_date"], mine["attendance"] = s["occurred_on"], s["mark"]
        elif kind in ("visitor-invited", "visitor-attended"):
            key = "visitors_" + kind.removeprefix("visitor-")
            mine[key] += 1
            total[key] += 1
        if late is not None and late > LATE_AFTER_DAYS:
            self.late_rows.append({
                "kind": kind, "slip_id": s["slip_id"], "member_id": who, "member_name": self.name(who),
                "other_member_id": other, "other_member_name": self.name(other),
                "occurred_on": s["occurred_on"], "recorded_on": s["recorded_on"], "days_late": late})

    def tables(self, chapter_id: str) -> dict[str, Table]:
        """members (by name), totals (one row), lateness_by_kind, late_slips (latest first)."""
        total = dict(self.total)
        for r in self.rows.values():  # the mark of the week's (last) meeting
            if r["attendance"] is not None:
                total[MARKS.get(r["attendance"], "present")] += 1
        member_rows = sorted(({**r, **lateness(self.row_days[m])} for m, r in self.rows.items()),
                             key=lambda r: (r["member_name"] is None, r["member_name"] or "", r["member_id"]))
        late_rows = sorted(self.late_rows, key=lambda r: (-r["days_late"], r["occurred_on"], r["kind"],
                                                          r["slip_id"]))
        return {"members": member_rows, "totals": [{"chapter_id": chapter_id, **total, **lateness(self.all_days)}],
                "lateness_by_kind": [{"kind": k, **lateness(v)} for k, v in sorted(self.by_kind.items())],
                "late_slips": late_rows}
