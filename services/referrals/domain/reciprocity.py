"""Reciprocity: who gives whom referrals (and closed business) and who gives back."""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from services.referrals.domain.conversion import FOUR_PLACES, ratio
from services.referrals.domain.rows import Columns, Table, unzip


def reciprocity_index(given: Decimal | int, received: Decimal | int) -> Decimal | None:
    """(given - received) / (given + received), in [-1, 1], four decimals; None when nothing either way."""
    return ratio(Decimal(given) - Decimal(received), Decimal(given) + Decimal(received))


# pure and mostly asked the same few questions (1 given, 0 back ...): Decimal arithmetic once per answer
_index = functools.lru_cache(maxsize=1 << 16)(reciprocity_index)


def reciprocity_tables(members: Sequence[Sequence[Any]], pairs: Sequence[Sequence[Any]],
                       dormant: Sequence[Sequence[Any]], end: date) -> dict[str, Table | Columns]:
    """The report's tables from the window's members (member_id, member_name, business), its ordered pairs
    (giver_id, receiver_id, referrals, value, last_on) and the pairs that met one-to-one but traded no
    referral (member_a, member_b, one_to_ones, last_one_to_one, last_referral_on): rows by position."""
    # column by column, each column one pass (most of them in C): a six-month report has ~550 pairs and ~350
    # dormant ones, and a dict per row (then encoded) was half of what the service spent on the report
    givers, receivers, referrals, values, lasts = unzip(pairs, 5)
    keys = list(zip(givers, receivers, strict=True))
    index = dict(zip(keys, zip(referrals, values, strict=True), strict=True))
    traded = {k for k, n in zip(keys, referrals, strict=True) if n}
    two_way = sorted({(a, b) if a < b else (b, a) for a, b in traded if (b, a) in traded})
    member_ids = [m[0] for m in members]
    known = set(member_ids)
    # someone active in the window whose membership event has not arrived yet (in the order the pairs name them)
    member_ids += [m for m in dict.fromkeys(itertools.chain.from_iterable(keys)) if m not in known]
    info = {m[0]: (m[1], m[2]) for m in members}
    name = {m: i[0] for m, i in info.items()}.get

    member_rows = _member_rows(member_ids, info, givers, receivers, referrals, values, traded, two_way)
    return {
        "members": member_rows, "pairs": _pair_columns(givers, receivers, referrals, values, lasts, index, name),
        "two_way_pairs": [{"member_a": a, "member_b": b} for a, b in two_way],
        "nobody_refers_to": [{"member_id": r["member_id"]} for r in member_rows if r["received"] == 0],
        "dormant": _dormant_columns([d for d in dormant if (d[0], d[1]) not in traded and (d[1], d[0]) not in traded],
                                    name, end),
    }


PAIR_NAMES = ("giver_id", "receiver_id", "referrals", "value", "referrals_back", "value_back", "index",
              "value_index", "two_way", "last_referral_on", "giver_name", "receiver_name")
DORMANT_NAMES = ("member_a", "member_b", "one_to_ones", "last_one_to_one", "last_referral_on",
                 "days_since_last_referral", "days_since_last_one_to_one", "member_a_name", "member_b_name")
_NO_BACK = (0, Decimal(0))


def _pair_columns(givers: list[str], receivers: list[str], referrals: list[int], values: list[Decimal],
                  lasts: list[date | None], index: dict[tuple[str, str], tuple[int, Decimal]],
                  name: Callable[[str], str | None]) -> Columns:
    back = list(map(index.get, zip(receivers, givers, strict=True), itertools.repeat(_NO_BACK)))
    back_n = [x[0] for x in back]
    back_v = [x[1] for x in back]
    # a pair's value index is the other direction's, negated (the same sum, the difference reversed; rounding
    # half up is symmetric, and a zero stays "0.0000"): the Decimal division once per two-way pair
    value_indexes: dict[tuple[str, str], Decimal] = {}
    value_index: list[Decimal | None] = []
    for a, b, v, bv in zip(givers, receivers, values, back_v, strict=True):
        if v or bv:
            mirrored = value_indexes.get((b, a))
            vi = value_indexes[(a, b)] = -mirrored if mirrored is not None else (
                (v - bv) / (v + bv)).quantize(FOUR_PLACES, ROUND_HALF_UP)
            value_index.append(vi)
        else:
            value_index.append(None)
    return Columns(PAIR_NAMES, (
        givers, receivers, referrals, values, back_n, back_v, list(map(_index, referrals, back_n)), value_index,
        [bool(n and bn) for n, bn in zip(referrals, back_n, strict=True)], lasts,
        list(map(name, givers)), list(map(name, receivers))))


def _dormant_columns(dormant: Sequence[Sequence[Any]], name: Callable[[str], str | None], end: date) -> Columns:
    members_a, members_b, one_to_ones, last_ones, last_referrals = unzip(dormant, 5)
    return Columns(DORMANT_NAMES, (
        members_a, members_b, one_to_ones, last_ones, last_referrals,
        [(end - last).days if last else None for last in last_referrals],
        [(end - last).days for last in last_ones], list(map(name, members_a)), list(map(name, members_b))))


def _member_rows(member_ids: list[str], info: dict[str, tuple[str | None, str | None]], givers: list[str],
                 receivers: list[str], referrals: list[int], values: list[Decimal], traded: set[tuple[str, str]],
                 two_way: list[tuple[str, str]]) -> Table:
    """Every member's totals, in one pass over the pairs (not one pass per member). Pairs are distinct, so the
    members one gave to are counted from the traded pairs, and the breadth (gave to or received from) is both
    counts less the members one traded with both ways."""
    given: dict[str, int] = dict.fromkeys(member_ids, 0)
    received: dict[str, int] = dict.fromkeys(member_ids, 0)
    value_given: dict[str, Decimal] = {m: Decimal(0) for m in member_ids}
    value_received: dict[str, Decimal] = {m: Decimal(0) for m in member_ids}
    for a, b, n, v in zip(givers, receivers, referrals, values, strict=True):
        given[a] += n
        received[b] += n
        value_given[a] += v
        value_received[b] += v
    gave_to = Counter(a for a, _ in traded)
    got_from = Counter(b for _, b in traded)
    both_ways = Counter(m for a, b in two_way for m in ((a, b) if a != b else (a,)))  # one who gave to themself
    rows: list[dict[str, Any]] = []
    unknown = (None, None)
    for m in member_ids:
        g, r, vg, vr = given[m], received[m], value_given[m], value_received[m]
        member_name, business = info.get(m, unknown)
        rows.append({
            "member_id": m, "member_name": member_name, "business": business,
            "given": g, "received": r, "balance": g - r, "index": _index(g, r),
            "value_given": vg, "value_received": vr, "value_balance": vg - vr, "value_index": _index(vg, vr),
            "gave_to": gave_to[m], "received_from": got_from[m], "breadth": gave_to[m] + got_from[m] - both_ways[m],
        })
    return rows
