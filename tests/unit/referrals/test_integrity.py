"""Integrity signals on scripted histories, the expected figures worked out by hand: injected duplicates and
padding pairs are flagged, honest histories are not."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from services.referrals.domain.integrity import (
    IntegrityRules,
    Slip,
    back_dated,
    concentrated_pairs,
    effective_referrals,
    member_signals,
    pending_confirmation,
    suspected_duplicates,
)

RULES = IntegrityRules()
DAY = date(2026, 3, 2)


def referral(rid: str, giver: str, receiver: str, day: int, seq: int = 0) -> dict[str, Any]:
    return {"referral_id": rid, "giver_id": giver, "receiver_id": receiver, "given_on": DAY + timedelta(day),
            "seq": seq, "recorded_on": DAY + timedelta(day)}


def closed(cid: str, thanked: str, reporter: str, amount: str | None, day: int, *, referral_id: str | None = "r",
           confirmed: bool = False, disputed: bool = False, recorded_day: int | None = None) -> dict[str, Any]:
    return {"closed_business_id": cid, "thanked_member_id": thanked, "reported_by": reporter,
            "amount": Decimal(amount) if amount is not None else None, "referral_id": referral_id,
            "occurred_on": DAY + timedelta(day), "confirmed_on": DAY if confirmed else None,
            "disputed_on": DAY if disputed else None,
            "recorded_on": DAY + timedelta(day if recorded_day is None else recorded_day)}


def test_a_closed_business_recorded_twice_is_flagged_naming_both_slips() -> None:
    history = [closed("cb1", "ann", "bob", "1000.00", 0), closed("cb2", "ann", "bob", "1005.00", 3)]
    [flag] = suspected_duplicates(history, RULES)
    assert (flag["closed_business_id"], flag["looks_like_closed_business_id"]) == ("cb1", "cb2")
    assert (flag["thanked_member_id"], flag["reported_by"]) == ("ann", "bob")


def test_honest_repeat_business_is_not_flagged() -> None:
    history = [
        closed("cb1", "ann", "bob", "1000.00", 0),
        closed("cb2", "ann", "bob", "1011.00", 3),   # 1.09 % apart: another job
        closed("cb3", "ann", "bob", "1000.00", 15),  # 15 days after cb1 (and 12 after cb2, 1.1 % apart)
        closed("cb4", "ann", "cid", "1000.00", 1),   # another reporter
        closed("cb5", "bob", "ann", "1000.00", 1),   # the other way round
        closed("cb6", "ann", "bob", None, 2),        # no amount: nothing to compare
    ]
    assert suspected_duplicates(history, RULES) == []


def test_the_duplicate_rule_follows_its_configured_thresholds() -> None:
    history = [closed("cb1", "ann", "bob", "1000.00", 0), closed("cb2", "ann", "bob", "1030.00", 20)]
    assert suspected_duplicates(history, RULES) == []
    loose = IntegrityRules(duplicate_amount_tolerance=Decimal("0.05"), duplicate_days=30)
    assert [f["looks_like_closed_business_id"] for f in suspected_duplicates(history, loose)] == ["cb2"]


def test_effective_referrals_damp_the_nth_referral_between_the_same_two_members() -> None:
    # ann and bob pass each other five slips: 1 + 1/2 + 1/3 + 1/4 + 1/5 between them, by order given;
    # ann gave the 1st, 3rd and 5th (1 + 1/3 + 1/5 = 1.5333), bob the 2nd and 4th (1/2 + 1/4 = 0.75);
    # cid's one referral to ann is the first between them: 1
    history = [referral("r1", "ann", "bob", 0), referral("r2", "bob", "ann", 1), referral("r3", "ann", "bob", 2),
               referral("r4", "bob", "ann", 3), referral("r5", "ann", "bob", 4), referral("r6", "cid", "ann", 4)]
    assert effective_referrals(history) == {"ann": Decimal("1.5333"), "bob": Decimal("0.7500"),
                                            "cid": Decimal("1.0000")}


def test_a_padding_pair_is_the_most_concentrated_and_a_spread_giver_is_not_flagged() -> None:
    padding = [referral(f"p{i}", "ann", "bob", i) for i in range(5)] + [referral("p5", "ann", "cid", 6)]
    spread = [referral(f"s{i}", "dan", who, i) for i, who in enumerate(["ann", "bob", "cid", "eve", "ann"])]
    [flag] = concentrated_pairs(padding + spread, RULES)
    assert (flag["giver_id"], flag["receiver_id"], flag["referrals"], flag["referrals_given"]) == ("ann", "bob", 5, 6)
    assert flag["share"] == Decimal("0.8333")
    assert flag["referral_ids"] == "p0 p1 p2 p3 p4"


def test_few_referrals_are_not_called_concentrated() -> None:
    assert concentrated_pairs([referral("r1", "ann", "bob", 0), referral("r2", "ann", "bob", 1)], RULES) == []


def test_slips_recorded_more_than_seven_days_late_are_back_dated() -> None:
    slips = [Slip("referral", "r1", "ann", DAY, DAY + timedelta(7)),      # 7 days: on time
             Slip("referral", "r2", "ann", DAY, DAY + timedelta(8)),      # 8 days: back-dated
             Slip("ceu", "c1", "bob", DAY, DAY + timedelta(40)),
             Slip("one-to-one", "o1", "bob", DAY, None)]                  # unknown: not judged
    late = back_dated(slips, RULES)
    assert [(r["slip_id"], r["days_late"]) for r in late] == [("r2", 8), ("c1", 40)]


def test_closed_business_nobody_confirmed_for_two_weeks_is_pending() -> None:
    end = DAY + timedelta(30)
    history = [closed("old", "ann", "bob", "10", 0), closed("fresh", "ann", "bob", "10", 20),
               closed("done", "ann", "bob", "10", 0, confirmed=True),
               closed("argued", "ann", "bob", "10", 0, disputed=True),
               closed("late", "ann", "bob", "10", 0, recorded_day=25)]  # happened long ago, recorded 5 days ago
    assert [(p["closed_business_id"], p["days_waiting"]) for p in pending_confirmation(history, end, RULES)] \
        == [("old", 30)]


def test_member_signals_give_each_share_of_what_the_member_is_credited_with() -> None:
    referrals = [referral("r1", "ann", "bob", 0), referral("r2", "ann", "bob", 1), referral("r3", "ann", "cid", 2)]
    closed_business = [closed("cb1", "ann", "bob", "10", 0, referral_id=None),
                       closed("cb2", "ann", "bob", "10", 1), closed("cb3", "ann", "cid", "10", 2, disputed=True),
                       closed("cb4", "ann", "cid", "10", 3, referral_id=None)]
    late = [{"member_id": "bob"}]
    rows = {r["member_id"]: r for r in member_signals(["ann", "bob", "cid"], referrals, closed_business, late,
                                                      {"ann": 3, "bob": 4})}
    ann = rows["ann"]
    assert (ann["referrals_given"], ann["effective_referrals"]) == (3, Decimal("2.5000"))
    assert (ann["top_partner_id"], ann["top_partner_share"]) == ("bob", Decimal("0.6667"))
    assert (ann["closed_business_credited"], ann["unlinked_share"], ann["disputed_share"]) \
        == (4, Decimal("0.5000"), Decimal("0.2500"))
    assert (rows["bob"]["back_dated"], rows["bob"]["back_dated_share"]) == (1, Decimal("0.2500"))
    assert rows["cid"]["top_partner_id"] is None and rows["cid"]["unlinked_share"] is None
