"""Reciprocity: who gives whom referrals (and closed business) and who gives back."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from services.referrals.domain.conversion import FOUR_PLACES, ratio
from services.referrals.domain.rows import Table


def reciprocity_index(given: Decimal | int, received: Decimal | int) -> Decimal | None:
    """(given - received) / (given + received), in [-1, 1], four decimals; None when nothing either way."""
    return ratio(Decimal(given) - Decimal(received), Decimal(given) + Decimal(received))


# pure and mostly asked the same few questions (1 given, 0 back ...): Decimal arithmetic once per answer
_index = functools.lru_cache(maxsize=1 << 16)(reciprocity_index)


def reciprocity_tables(members: Sequence[Sequence[Any]], pairs: Sequence[Sequence[Any]],
                       dormant: Sequence[Sequence[Any]], end: date) -> dict[str, Table]:
    """The report's tables from the window's members (member_id, member_name, business), its ordered pairs
    (giver_id, receiver_id, referrals, value, last_on) and the pairs that met one-to-one but traded no
    referral (member_a, member_b, one_to_ones, last_one_to_one, last_referral_on): rows by position."""
    # one pass per table over plain tuples: a six-month report has ~550 pairs and ~350 dormant ones
    rows = [tuple(p) for p in pairs]
    index = {(a, b): (n, v) for a, b, n, v, _ in rows}
    member_ids = [m[0] for m in members]
    known = set(member_ids)
    for a, b, *_ in rows:  # someone active in the window whose membership event has not arrived yet
        for m in (a, b):
            if m not in known:
                known.add(m)
                member_ids.append(m)
    info = {m[0]: (m[1], m[2]) for m in members}
    name = {m: i[0] for m, i in info.items()}.get

    member_rows = _member_rows(member_ids, info, rows)
    pair_rows = []
    no_back = (0, Decimal(0))
    # a pair's value index is the other direction's, negated (the same sum, the difference reversed; rounding
    # half up is symmetric, and a zero stays "0.0000"): the Decimal division once per two-way pair
    value_indexes: dict[tuple[str, str], Decimal] = {}
    for a, b, n, v, last in rows:
        back_n, back_v = index.get((b, a), no_back)
        value_index = None
        if v or back_v:
            mirrored = value_indexes.get((b, a))
            value_index = value_indexes[(a, b)] = -mirrored if mirrored is not None else (
                (v - back_v) / (v + back_v)).quantize(FOUR_PLACES, ROUND_HALF_UP)
        pair_rows.append({
            "giver_id": a, "receiver_id": b, "referrals": n, "value": v,
            "referrals_back": back_n, "value_back": back_v,
            "index": _index(n, back_n), "value_index": value_index,
            "two_way": bool(n and back_n), "last_referral_on": last,
            "giver_name": name(a), "receiver_name": name(b),
        })
    two_way = sorted({(a, b) if a < b else (b, a) for a, b, n, _, _ in rows if n and index.get((b, a), (0,))[0]})
    traded = {(a, b) for a, b, n, _, _ in rows if n}

    dormant_rows = []
    for a, b, one_to_ones, last_one, last_referral in dormant:
        if (a, b) in traded or (b, a) in traded:
            continue
        dormant_rows.append({
            "member_a": a, "member_b": b, "one_to_ones": one_to_ones,
            "last_one_to_one": last_one, "last_referral_on": last_referral,
            "days_since_last_referral": (end - last_referral).days if last_referral else None,
            "days_since_last_one_to_one": (end - last_one).days,
            "member_a_name": name(a), "member_b_name": name(b),
        })
    return {
        "members": member_rows, "pairs": pair_rows,
        "two_way_pairs": [{"member_a": a, "member_b": b} for a, b in two_way],
        "nobody_refers_to": [{"member_id": r["member_id"]} for r in member_rows if r["received"] == 0],
        "dormant": dormant_rows,
    }


def _member_rows(member_ids: list[str], info: dict[str, tuple[str | None, str | None]],
                 pairs: list[tuple[Any, ...]]) -> Table:
    """Every member's totals, in one pass over the pairs (not one pass per member)."""
    given: dict[str, int] = dict.fromkeys(member_ids, 0)
    received: dict[str, int] = dict.fromkeys(member_ids, 0)
    value_given: dict[str, Decimal] = {m: Decimal(0) for m in member_ids}
    value_received: dict[str, Decimal] = {m: Decimal(0) for m in member_ids}
    gave_to: dict[str, set[str]] = {m: set() for m in member_ids}
    got_from: dict[str, set[str]] = {m: set() for m in member_ids}
    for a, b, n, v, _ in pairs:
        given[a] += n
        received[b] += n
        value_given[a] += v
        value_received[b] += v
        if n:
            gave_to[a].add(b)
            got_from[b].add(a)
    rows: list[dict[str, Any]] = []
    unknown = (None, None)
    for m in member_ids:
        g, r, vg, vr = given[m], received[m], value_given[m], value_received[m]
        member_name, business = info.get(m, unknown)
        rows.append({
            "member_id": m, "member_name": member_name, "business": business,
            "given": g, "received": r, "balance": g - r, "index": _index(g, r),
            "value_given": vg, "value_received": vr, "value_balance": vg - vr, "value_index": _index(vg, vr),
            "gave_to": len(gave_to[m]), "received_from": len(got_from[m]),
            "breadth": len(gave_to[m] | got_from[m]),
        })
    return rows
