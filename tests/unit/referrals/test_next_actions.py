"""A member's next best actions from a scripted history, worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from services.referrals.domain.next_actions import lift, next_actions
from services.referrals.domain.traffic_lights import Activity, TrafficLightScheme

START, END = date(2024, 1, 1), date(2024, 6, 29)  # 26 weeks
SCHEME = TrafficLightScheme()
# attendance 20, referrals 26 in 26 weeks: 20, one-to-ones 25/26 * 20 = 19.2, CEUs 0, visitors 6 in six
# months: 20 -> 79.2
ACTIVE = Activity(days=182, referrals_given=26, one_to_ones=25, ceu_credits=0, visitors=6)


def ago(days: int) -> date:
    return END - timedelta(days=days)


def ref(giver: str, receiver: str, on: date) -> dict[str, Any]:
    return {"giver_id": giver, "receiver_id": receiver, "given_on": on}


def test_the_step_that_lifts_the_light_most_is_offered() -> None:
    # two CEU credits: 2/26 * 20 = 1.5 points; two one-to-ones: 19.2 -> 20, 0.8; referrals and visitors: full
    step = lift(ACTIVE, SCHEME)
    assert step is not None
    assert (step["area"], step["more"], step["points"]) == ("ceus", 2, Decimal("1.5"))
    assert (step["score_now"], step["score_after"], step["colour_after"]) == (Decimal("79.2"), Decimal("80.7"), "green")


def test_nothing_to_lift_when_every_area_is_full() -> None:
    full = Activity(days=182, referrals_given=26, one_to_ones=26, ceu_credits=26, visitors=6)
    assert lift(full, SCHEME) is None


def test_give_back_refer_after_one_to_one_and_revive_quiet_partners() -> None:
    referrals = [ref("ann", "me", ago(30)), ref("ann", "me", ago(20)),     # ann gave twice, nothing back
                 ref("bob", "me", ago(10)), ref("me", "bob", ago(5)),      # bob: even
                 ref("me", "dan", date(2022, 6, 1)),                       # dan: referred long ago
                 ref("eve", "me", ago(100)),                               # eve: 100 days, nothing back
                 ref("me", "hal", ago(120)), ref("hal", "me", ago(95)),    # hal: quiet 95 days
                 ref("me", "fay", ago(50)),                                # fay: 50 days, not quiet
                 ref("gus", "me", ago(200))]                               # gus has left the chapter
    one_to_ones = [{"member_a": "cid", "member_b": "me"}, {"member_a": "me", "member_b": "dan"}]
    names = {x: x.title() for x in ("ann", "bob", "cid", "dan", "eve", "fay", "hal")}
    actions = next_actions("me", ACTIVE, SCHEME, referrals, one_to_ones, START, END, names)
    assert [(a["action"], a.get("member_id") or a.get("area")) for a in actions] == [
        ("lift", "ceus"), ("give_back", "ann"), ("give_back", "eve"), ("refer_after_one_to_one", "cid"),
        ("revive", "dan"), ("revive", "hal")]
    assert actions[1]["referrals_received"] == 2 and actions[5]["days_quiet"] == 95
    assert actions[4]["last_referral_on"] == date(2022, 6, 1)
