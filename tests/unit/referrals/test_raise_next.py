"""What would raise a member's traffic light next: the areas short of full points, most missing first, with
the slips that would fill each rate area."""

from __future__ import annotations

from decimal import Decimal

from services.referrals.domain.traffic_lights import Activity, TrafficLightScheme, raise_next, score


def test_the_area_missing_most_points_comes_first_with_the_slips_that_would_fill_it() -> None:
    activity = Activity(days=182, absences=1, meetings=26, referrals_given=13, one_to_ones=26, ceu_credits=0,
                        visitors=2)
    steps = raise_next(activity, score(activity))
    assert [s["area"] for s in steps] == ["ceus", "visitors", "referrals", "attendance"]
    by_area = {s["area"]: s for s in steps}
    assert by_area["ceus"]["more_needed"] == 26 and by_area["ceus"]["missing"] == Decimal("20.0")
    assert by_area["referrals"]["more_needed"] == 13 and by_area["referrals"]["missing"] == Decimal("10.0")
    assert by_area["visitors"]["more_needed"] == 4  # 182 days are 5.98 months: 6 visitors for full points
    assert by_area["attendance"]["more_needed"] is None, "absences leave the window; no slip makes up for one"
    assert "one_to_ones" not in by_area, "full points: nothing to raise"


def test_full_marks_leave_nothing_to_raise_and_the_scheme_sets_the_targets() -> None:
    activity = Activity(days=70, meetings=10, referrals_given=10, one_to_ones=10, ceu_credits=10, visitors=3)
    assert raise_next(activity, score(activity)) == []
    stricter = TrafficLightScheme(referrals_per_week=Decimal(2))
    [step] = raise_next(activity, score(activity, stricter), stricter)
    assert step["area"] == "referrals" and step["more_needed"] == 10 and step["max_points"] == Decimal("20.0")
