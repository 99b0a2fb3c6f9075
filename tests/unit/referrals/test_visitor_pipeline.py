"""The visitors' follow-up rule and funnel, by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from services.referrals.domain.visitor_pipeline import by_inviter, follow_up, funnel


def visitor(vid: str, by: str, invited: date, meeting: date | None = None, attended: date | None = None,
            applied: date | None = None, member: date | None = None) -> dict[str, Any]:
    return {"visitor_id": vid, "invited_by": by, "inviter_name": None, "invited_on": invited, "meeting_on": meeting,
            "attended_on": attended, "applied_on": applied, "became_member_on": member}


MARCH_5 = date(2025, 3, 5)
ROWS = [visitor("a", "m1", MARCH_5, attended=MARCH_5),
        visitor("b", "m1", date(2025, 3, 1), meeting=date(2025, 3, 12)),
        visitor("c", "m2", MARCH_5, member=date(2025, 3, 20)),  # a later step implies the earlier ones
        visitor("d", "m2", MARCH_5, attended=MARCH_5, applied=date(2025, 3, 7))]


def test_follow_up_starts_seven_days_after_the_meeting_and_ends_with_an_application() -> None:
    assert follow_up(ROWS, date(2025, 3, 11)) == []  # six days after the meeting: not yet
    assert follow_up(ROWS, date(2025, 3, 12)) == [
        {"visitor_id": "a", "invited_by": "m1", "inviter_name": None, "meeting_on": MARCH_5, "stage": "attended",
         "days_since_meeting": 7, "next_step": "ask them to apply"}]
    # b registered on the 1st for the 12th: counted from the meeting
    assert [v["visitor_id"] for v in follow_up(ROWS, date(2025, 3, 18))] == ["a"]
    assert [v["visitor_id"] for v in follow_up(ROWS, date(2025, 3, 19))] == ["a", "b"]


def test_the_funnel_counts_each_stage_reached_and_its_share_of_the_one_before() -> None:
    assert funnel(ROWS) == {"invited": 4, "attended": 3, "applied": 2, "member": 1,
                            "attended_share": Decimal("0.7500"), "applied_share": Decimal("0.6667"),
                            "member_share": Decimal("0.5000"), "conversion": Decimal("0.2500")}
    assert funnel([])["conversion"] is None
    assert [(r["invited_by"], r["invited"], r["member"]) for r in by_inviter(ROWS)] == [("m1", 2, 0), ("m2", 2, 1)]
