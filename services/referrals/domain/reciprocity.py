"""Reciprocity: who gives whom referrals (and closed business) and who gives back."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from services.referrals.domain.conversion import ratio
from services.referrals.domain.rows import Row, Table


def reciprocity_index(given: Decimal | int, received: Decimal | int) -> Decimal | None:
    """(given - received) / (given + received), in [-1, 1], four decimals; None when nothing either way."""
    return ratio(Decimal(given) - Decimal(received), Decimal(given) + Decimal(received))


# pure and mostly asked the same few questions (1 given, 0 back ...): Decimal arithmetic once per answer
_index = functools.lru_cache(maxsize=1 << 16)(reciprocity_index)


def reciprocity_tables(members: Sequence[Row], pairs: Sequence[Row], dormant: Sequence[Row],
                       end: date) -> dict[str, Table]:
    """The report's tables from the window's members (member_id, member_name, business), its ordered pairs
    (giver_id, receiver_id, referrals, value, last_on) and the pairs that met one-to-one but traded no
    referral (member_a, member_b, one_to_ones, last_one_to_one, last_referral_on)."""
    index = {(p["giver_id"], p["receiver_id"]): p for p in pairs}
    member_ids = [m["member_id"] for m in members]
    known = set(member_ids)
    for p in pairs:  # someone active in the window whose membership event has not arrived yet
        for m in (p["giver_id"], p["receiver_id"]):
            if m not in known:
                known.add(m)
                member_ids.append(m)
    info = {m["member_id"]: m for m in members}

    def name(member_id: str) -> str | None:
        return info[member_id]["member_name"] if member_id in info else None

    member_rows = _member_rows(member_ids, info, pairs)
    pair_rows = []
    for (a, b), p in index.items():
        back = index.get((b, a))
        back_n = back["referrals"] if back else 0
        back_v = back["value"] if back else Decimal(0)
        pair_rows.append({
            "giver_id": a, "receiver_id": b, "referrals": p["referrals"], "value": p["value"],
            "referrals_back": back_n, "value_back": back_v,
            "index": _index(p["referrals"], back_n),
            "value_index": _index(p["value"], back_v),
            "two_way": bool(p["referrals"] and back_n), "last_referral_on": p["last_on"],
            "giver_name": name(a), "receiver_name": name(b),
        })
    two_way = sorted({tuple(sorted((r["giver_id"], r["receiver_id"]))) for r in pair_rows if r["two_way"]})

    def traded(a: str, b: str) -> bool:
        return (a, b) in index and bool(index[(a, b)]["referrals"])

    dormant_rows = [{
        "member_a": d["member_a"], "member_b": d["member_b"], "one_to_ones": d["one_to_ones"],
        "last_one_to_one": d["last_one_to_one"], "last_referral_on": d["last_referral_on"],
        "days_since_last_referral": (end - d["last_referral_on"]).days if d["last_referral_on"] else None,
        "days_since_last_one_to_one": (end - d["last_one_to_one"]).days,
        "member_a_name": name(d["member_a"]), "member_b_name": name(d["member_b"]),
    } for d in dormant if not traded(d["member_a"], d["member_b"]) and not traded(d["member_b"], d["member_a"])]
    return {
        "members": member_rows, "pairs": pair_rows,
        "two_way_pairs": [{"member_a": a, "member_b": b} for a, b in two_way],
        "nobody_refers_to": [{"member_id": r["member_id"]} for r in member_rows if r["received"] == 0],
        "dormant": dormant_rows,
    }


def _member_rows(member_ids: list[str], info: dict[str, Row], pairs: Sequence[Row]) -> Table:
    """Every member's totals, in one pass over the pairs (not one pass per member)."""
    given: dict[str, int] = dict.fromkeys(member_ids, 0)
    received: dict[str, int] = dict.fromkeys(member_ids, 0)
    value_given: dict[str, Decimal] = {m: Decimal(0) for m in member_ids}
    value_received: dict[str, Decimal] = {m: Decimal(0) for m in member_ids}
    gave_to: dict[str, set[str]] = {m: set() for m in member_ids}
    got_from: dict[str, set[str]] = {m: set() for m in member_ids}
    for p in pairs:
        a, b, n, v = p["giver_id"], p["receiver_id"], p["referrals"], p["value"]
        given[a] += n
        received[b] += n
        value_given[a] += v
        value_received[b] += v
        if n:
            gave_to[a].add(b)
            got_from[b].add(a)
    rows: list[dict[str, Any]] = []
    for m in member_ids:
        g, r, vg, vr = given[m], received[m], value_given[m], value_received[m]
        rows.append({
            "member_id": m, "member_name": info[m]["member_name"] if m in info else None,
            "business": info[m]["business"] if m in info else None,
            "given": g, "received": r, "balance": g - r, "index": _index(g, r),
            "value_given": vg, "value_received": vr, "value_balance": vg - vr, "value_index": _index(vg, vr),
            "gave_to": len(gave_to[m]), "received_from": len(got_from[m]),
            "breadth": len(gave_to[m] | got_from[m]),
        })
    return rows
