"""Pure report math: fast, no infrastructure."""

from __future__ import annotations

from decimal import Decimal

from services.referrals.domain.reciprocity import reciprocity_index
from services.referrals.domain.traffic_lights import Activity, Band, TrafficLightScheme, score


def test_reciprocity_index() -> None:
    assert reciprocity_index(3, 1) == Decimal("0.5000")
    assert reciprocity_index(0, 4) == Decimal("-1.0000")
    assert reciprocity_index(0, 0) is None
    assert reciprocity_index(Decimal("1500"), Decimal("250.50")) == Decimal("0.7138")


def test_default_traffic_light() -> None:
    result = score(Activity(days=182, absences=1, referrals_given=13, one_to_ones=26, ceu_credits=30, visitors=3))
    assert result.points == {"attendance": Decimal("15.0"), "referrals": Decimal("10.0"),
                             "one_to_ones": Decimal("20.0"), "ceus": Decimal("20.0"), "visitors": Decimal("10.0")}
    assert (result.score, result.colour) == (Decimal("75.0"), "green")
    assert score(Activity(days=182, absences=3)).colour == "grey"


def test_configured_weights_and_bands() -> None:
    scheme = TrafficLightScheme(weights={"attendance": 50, "referrals": 50, "one_to_ones": 0, "ceus": 0,
                                         "visitors": 0},
                                bands=[Band(colour="green", min_score=Decimal(90)), Band(colour="red", min_score=0)])
    result = score(Activity(days=70, referrals_given=5), scheme)
    assert (result.score, result.colour) == (Decimal("75.0"), "red")


def test_weeks_run_monday_to_sunday_and_lateness_figures() -> None:
    from datetime import date

    from services.referrals.domain.weekly import days_late, lateness
    from services.referrals.domain.windows import week_of

    assert week_of(date(2024, 3, 6)) == (date(2024, 3, 4), date(2024, 3, 10))
    assert week_of(date(2024, 3, 10)) == (date(2024, 3, 4), date(2024, 3, 10))
    assert week_of(date.min) == (date.min, date(1, 1, 7))
    assert week_of(date.max) == (date(9999, 12, 27), date.max)
    assert days_late(date(2024, 3, 6), date(2024, 3, 9)) == 3 and days_late(date(2024, 3, 6), None) is None
    assert days_late(date(2024, 3, 6), date(2024, 3, 5)) == 0
    assert lateness([0, 1, 2, 5, None]) == {"slips": 5, "slips_recorded_late": 2, "slips_recorded_unknown": 1,
                                            "median_days_late": Decimal("1.5"), "max_days_late": 5}
    assert lateness([]) == {"slips": 0, "slips_recorded_late": 0, "slips_recorded_unknown": 0,
                            "median_days_late": None, "max_days_late": None}
