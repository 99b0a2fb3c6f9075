"""Integrity signals: figures that look inflated or duplicated, explained and never edited away.

Each signal names the slips that raised it, so a leader can ask the members concerned; nothing is deleted
or discounted silently. The rules are plain functions over the window's rows (see `integrity_tables`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from services.referrals.domain.conversion import ratio
from services.referrals.domain.rows import Row, Table


class IntegrityRules(BaseModel):
    """The thresholds of the signals (`REFERRALS_INTEGRITY`, JSON; every field optional)."""

    # closed business of one pair this close in amount (a share of the larger) and in days looks recorded twice
    duplicate_amount_tolerance: Decimal = Field(default=Decimal("0.01"), ge=0, le=1)
    duplicate_days: int = Field(default=14, ge=0, le=366)
    # closed business neither confirmed nor disputed this many days after it was recorded is listed
    unconfirmed_days: int = Field(default=14, ge=1, le=366)
    # a slip recorded more than this many days after it happened is back-dated
    back_dated_days: int = Field(default=7, ge=1, le=366)
    # a giver sending this share of their referrals (once at least the minimum) to one partner is flagged
    concentration_share: Decimal = Field(default=Decimal("0.5"), gt=0, le=1)
    concentration_minimum: int = Field(default=4, ge=1)


@dataclass(frozen=True)
class Slip:
    """A slip as the back-dated rule reads it: what, whose, when it happened and when it was recorded."""

    kind: str
    slip_id: str
    member_id: str
    happened_on: date
    recorded_on: date | None
    """the day it was recorded, in the chapter's time zone"""
    recorded_by: str | None = None
    """who typed it, when not the member themself (a leader keying in paper slips)"""


def effective_referrals(referrals: Sequence[Row]) -> dict[str, Decimal]:
    """Per giver, the window's referrals with the nth between the same two members (either way, by the day
    given, then the order recorded) counting 1/n: two members passing each other slips to pad their lights
    add little. Four decimals."""
    nth: dict[frozenset[str], int] = defaultdict(int)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for r in sorted(referrals, key=lambda r: (r["given_on"], r["seq"] or 0, r["referral_id"])):
        pair = frozenset((r["giver_id"], r["receiver_id"]))
        nth[pair] += 1
        totals[r["giver_id"]] += Decimal(1) / nth[pair]
    return {giver: total.quantize(Decimal("0.0001")) for giver, total in totals.items()}


def look_alike(a: Row, b: Row, rules: IntegrityRules) -> bool:
    """Two closed business slips of the same pair, amounts within the tolerance, days within the limit."""
    if (a["thanked_member_id"], a["reported_by"]) != (b["thanked_member_id"], b["reported_by"]):
        return False
    if a["amount"] is None or b["amount"] is None:
        return False
    if abs((a["occurred_on"] - b["occurred_on"]).days) > rules.duplicate_days:
        return False
    larger = max(a["amount"], b["amount"])
    return larger == 0 or abs(a["amount"] - b["amount"]) <= larger * rules.duplicate_amount_tolerance


def suspected_duplicates(closed_business: Sequence[Row], rules: IntegrityRules) -> Table:
    """Pairs of closed business slips that look like one recorded twice (the thanked member is asked to
    confirm which one is real)."""
    by_pair: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for cb in closed_business:
        by_pair[(cb["thanked_member_id"], cb["reported_by"])].append(cb)
    found = []
    for rows in by_pair.values():
        rows.sort(key=lambda r: (r["occurred_on"], r["closed_business_id"]))
        for i, a in enumerate(rows):
            for b in rows[i + 1:]:
                if (b["occurred_on"] - a["occurred_on"]).days > rules.duplicate_days:
                    break
                if look_alike(a, b, rules):
                    found.append({"thanked_member_id": a["thanked_member_id"], "reported_by": a["reported_by"],
                                  "closed_business_id": a["closed_business_id"], "amount": a["amount"],
                                  "occurred_on": a["occurred_on"],
                                  "looks_like_closed_business_id": b["closed_business_id"],
                                  "other_amount": b["amount"], "other_occurred_on": b["occurred_on"]})
    return found


def back_dated(slips: Iterable[Slip], rules: IntegrityRules) -> Table:
    """The slips recorded more than `back_dated_days` after the day they happened."""
    late = []
    for s in slips:
        if s.recorded_on is None:
            continue
        days = (s.recorded_on - s.happened_on).days
        if days > rules.back_dated_days:
            late.append({"kind": s.kind, "slip_id": s.slip_id, "member_id": s.member_id,
                         "happened_on": s.happened_on, "recorded_on": s.recorded_on, "days_late": days})
    return sorted(late, key=lambda r: (r["member_id"], r["happened_on"], r["slip_id"]))


def keyed_by_others(slips: Iterable[Slip]) -> Table:
    """The slips someone else keyed in for the member (a leader typing paper slips), so a member's figures
    can be told from what others recorded for them."""
    rows = [{"kind": s.kind, "slip_id": s.slip_id, "member_id": s.member_id, "recorded_by": s.recorded_by,
             "happened_on": s.happened_on} for s in slips if s.recorded_by not in (None, s.member_id)]
    return sorted(rows, key=lambda r: (r["member_id"], r["happened_on"], r["slip_id"]))


def pending_confirmation(closed_business: Sequence[Row], end: date, rules: IntegrityRules) -> Table:
    """Closed business neither confirmed nor disputed more than `unconfirmed_days` after it was recorded."""
    pending = []
    for cb in closed_business:
        if cb["confirmed_on"] is not None or cb["disputed_on"] is not None:
            continue
        since = cb["recorded_on"] or cb["occurred_on"]
        if (end - since).days > rules.unconfirmed_days:
            pending.append({"closed_business_id": cb["closed_business_id"],
                            "thanked_member_id": cb["thanked_member_id"], "reported_by": cb["reported_by"],
                            "amount": cb["amount"], "occurred_on": cb["occurred_on"],
                            "days_waiting": (end - since).days})
    return sorted(pending, key=lambda r: (-r["days_waiting"], r["closed_business_id"]))


def concentrated_pairs(referrals: Sequence[Row], rules: IntegrityRules) -> Table:
    """Givers sending at least `concentration_share` of their (at least `concentration_minimum`) referrals
    to one partner, most concentrated first, with the referrals that make the share."""
    given: dict[str, list[Row]] = defaultdict(list)
    for r in referrals:
        given[r["giver_id"]].append(r)
    rows = []
    for giver, theirs in given.items():
        to: dict[str, list[str]] = defaultdict(list)
        for r in theirs:
            to[r["receiver_id"]].append(r["referral_id"])
        partner, ids = max(to.items(), key=lambda kv: (len(kv[1]), kv[0]))
        share = ratio(Decimal(len(ids)), Decimal(len(theirs))) or Decimal(0)
        if len(theirs) >= rules.concentration_minimum and share >= rules.concentration_share:
            rows.append({"giver_id": giver, "receiver_id": partner, "referrals": len(ids),
                         "referrals_given": len(theirs), "share": share, "referral_ids": " ".join(sorted(ids))})
    return sorted(rows, key=lambda r: (-r["share"], -r["referrals"], r["giver_id"]))


def member_signals(member_ids: Sequence[str], referrals: Sequence[Row], closed_business: Sequence[Row],
                   late: Table, slips_recorded: dict[str, int], keyed: Table | None = None) -> Table:
    """Per member: raw and effective referrals given, the share sent to their top partner, and of the
    closed business credited to them (they were thanked) the share tied to no referral and the share
    disputed; of the slips that are theirs, the share back-dated and how many others keyed in."""
    effective = effective_referrals(referrals)
    given: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in referrals:
        given[r["giver_id"]][r["receiver_id"]] += 1
    credited: dict[str, list[Row]] = defaultdict(list)
    for cb in closed_business:
        credited[cb["thanked_member_id"]].append(cb)
    late_by: dict[str, int] = defaultdict(int)
    for row in late:
        late_by[row["member_id"]] += 1
    keyed_by: dict[str, int] = defaultdict(int)
    for row in keyed or []:
        keyed_by[row["member_id"]] += 1
    rows = []
    for m in member_ids:
        to = given.get(m, {})
        n = sum(to.values())
        cbs = credited.get(m, [])
        signals: dict[str, Any] = {
            "member_id": m, "referrals_given": n, "effective_referrals": effective.get(m, Decimal(0)),
            "top_partner_id": max(to, key=lambda k: (to[k], k)) if to else None,
            "top_partner_share": ratio(Decimal(max(to.values())), Decimal(n)) if to else None,
            "closed_business_credited": len(cbs),
            "unlinked_share": ratio(Decimal(sum(1 for c in cbs if c["referral_id"] is None)), Decimal(len(cbs))),
            "disputed_share": ratio(Decimal(sum(1 for c in cbs if c["disputed_on"] is not None)), Decimal(len(cbs))),
            "slips_recorded": slips_recorded.get(m, 0), "back_dated": late_by.get(m, 0),
            "back_dated_share": ratio(Decimal(late_by.get(m, 0)), Decimal(slips_recorded.get(m, 0))),
            "keyed_by_others": keyed_by.get(m, 0),
        }
        rows.append(signals)
    return rows
