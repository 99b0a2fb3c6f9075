"""A member's next best actions: deterministic rules over their chapter's referrals and one-to-ones, and
the one step that would lift their traffic light most. Each action names the members it concerns.

1. `lift`: of a few concrete steps (two more referrals, two more one-to-ones, two more CEU credits, one
   more visitor), the one that adds the most points to the light now; none when nothing would.
2. `give_back`: members who referred to them in the window and got nothing back from them: "give before
   you take", most referrals first.
3. `refer_after_one_to_one`: members they met one-to-one in the window but never referred to.
4. `revive`: partners they once exchanged referrals with, none either way in the last `dormant_days` (90)
   (unless already named to give back to).
Between 2 and 3 come `answer_ask` items: members whose current ask this member's business matches
(`services.referrals.domain.asks`, computed there and handed in as `ask_actions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from services.referrals.domain.rows import Row
from services.referrals.domain.traffic_lights import Activity, TrafficLightScheme, score

DORMANT_DAYS = 90
STEPS: tuple[tuple[str, str, int], ...] = (
    ("referrals", "referrals_given", 2), ("one_to_ones", "one_to_ones", 2), ("ceus", "ceu_credits", 2),
    ("visitors", "visitors", 1))
"""(area, the activity's count, how many more): small enough to do before the next meeting or two."""


def lift(activity: Activity, scheme: TrafficLightScheme) -> dict[str, Any] | None:
    """The step that adds the most points (the first of `STEPS` among equals), with the light it leads to."""
    now = score(activity, scheme)
    best: dict[str, Any] | None = None
    for area, count, more in STEPS:
        after = score(replace(activity, **{count: getattr(activity, count) + more}), scheme)
        gain = after.score - now.score
        if gain > 0 and (best is None or gain > best["points"]):
            best = {"action": "lift", "area": area, "more": more, "points": gain, "score_now": now.score,
                    "score_after": after.score, "colour_now": now.colour, "colour_after": after.colour}
    return best


def next_actions(member_id: str, activity: Activity | None, scheme: TrafficLightScheme, referrals: Sequence[Row],
                 one_to_ones: Sequence[Row], start: date, end: date, names: dict[str, str | None],
                 dormant_days: int = DORMANT_DAYS, ask_actions: Sequence[dict[str, Any]] = ()
                 ) -> list[dict[str, Any]]:
    """`referrals`: the chapter's referrals up to `end` (giver_id, receiver_id, given_on); `one_to_ones`:
    the member's in the window (member_a, member_b)."""
    actions: list[dict[str, Any]] = []
    step = lift(activity, scheme) if activity is not None else None
    if step is not None:
        actions.append(step)
    given_ever = {r["receiver_id"] for r in referrals if r["giver_id"] == member_id}
    in_window = [r for r in referrals if start <= r["given_on"] <= end]
    given = {r["receiver_id"] for r in in_window if r["giver_id"] == member_id}
    received: dict[str, int] = {}
    for r in in_window:
        if r["receiver_id"] == member_id and r["giver_id"] != member_id:
            received[r["giver_id"]] = received.get(r["giver_id"], 0) + 1
    owed = {other for other in received if other not in given}
    for other, n in sorted(received.items(), key=lambda kv: (-kv[1], kv[0])):
        if other in owed:
            actions.append({"action": "give_back", "member_id": other, "member_name": names.get(other),
                            "referrals_received": n})
    actions.extend(ask_actions)
    met = sorted({o["member_b"] if o["member_a"] == member_id else o["member_a"] for o in one_to_ones} - {member_id})
    for other in met:
        if other not in given_ever:
            actions.append({"action": "refer_after_one_to_one", "member_id": other, "member_name": names.get(other)})
    last: dict[str, date] = {}
    for r in referrals:
        if member_id in (r["giver_id"], r["receiver_id"]) and r["giver_id"] != r["receiver_id"]:
            other = r["receiver_id"] if r["giver_id"] == member_id else r["giver_id"]
            last[other] = max(last.get(other, r["given_on"]), r["given_on"])
    quiet_since = end - timedelta(days=dormant_days)
    for other, on in sorted(last.items(), key=lambda kv: (kv[1], kv[0])):
        # still a member of the chapter, and not already someone to give back to
        if on < quiet_since and other in names and other not in owed:
            actions.append({"action": "revive", "member_id": other, "member_name": names.get(other),
                            "last_referral_on": on, "days_quiet": (end - on).days})
    return actions

