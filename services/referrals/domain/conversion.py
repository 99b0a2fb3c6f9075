"""Conversion: how many referrals reached each milestone, and what they were worth."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from services.referrals.domain.rows import Row, Table
from shared.contracts.members import PIPELINE

FOUR_PLACES = Decimal("0.0001")


def ratio(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part / whole, four decimals; None when the whole is nothing."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(FOUR_PLACES, ROUND_HALF_UP)


def line(r: Row, **keys: Any) -> dict[str, Any]:
    """One line of counts (given ... open), its conversion (won / given), value and average days."""
    return {**keys, "given": r["given"], "accepted": r["accepted"], "contacted": r["contacted"],
            "won": r["won"], "lost": r["lost"], "open": r["open"],
            "conversion": ratio(r["won"], r["given"]), "value": r["value"],
            "avg_days_to_contact": r["avg_days_to_contact"], "avg_days_to_close": r["avg_days_to_close"]}


def empty_line() -> dict[str, Any]:
    return {"given": 0, "accepted": 0, "contacted": 0, "won": 0, "lost": 0, "open": 0, "conversion": None,
            "value": Decimal(0), "avg_days_to_contact": None, "avg_days_to_close": None}


def conversion_tables(grouped: Iterable[Row]) -> dict[str, Table]:
    """The lines of one query grouped by several sets at once (g_giver, g_receiver, g_temperature say which
    columns a line is NOT grouped by), sorted into the report's tables; the funnel is the total's."""
    by_giver, by_receiver, by_pair, by_temp, total = [], [], [], [], []
    for r in grouped:
        g, rc, t = r["g_giver"], r["g_receiver"], r["g_temperature"]
        if not g and not rc:
            by_pair.append(line(r, giver_id=r["giver_id"], receiver_id=r["receiver_id"]))
        elif not g:
            by_giver.append(line(r, giver_id=r["giver_id"]))
        elif not rc:
            by_receiver.append(line(r, receiver_id=r["receiver_id"]))
        elif not t:
            by_temp.append(line(r, temperature=r["temperature"]))
        else:
            total.append(line(r))
    funnel = total[0] if total else empty_line()
    return {"funnel": [{"stage": s, "count": funnel[s]} for s in PIPELINE], "total": [funnel],
            "by_giver": by_giver, "by_receiver": by_receiver, "by_pair": by_pair, "by_temperature": by_temp}
