"""Chapter traffic lights scored by hand, and the completed-months window."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.referrals.domain.chapter_lights import (
    ChapterActivity,
    ChapterLightScheme,
    chapter_figures,
    chapter_score,
    completed_months,
)

THRIVING = ChapterActivity(days=182, members_at_start=20, members_at_end=24, stayed=18, referrals=312,
                           visitors=13, visitors_joined=2, attended=450, marked=480)


def test_a_thriving_chapter_scores_each_area_by_its_target() -> None:
    # 26 weeks, 22 members on average: 312 / 572 = 0.5455 referrals per member per week (target 0.5: full)
    assert chapter_figures(THRIVING)["referrals"] == Decimal("0.5455")
    scored = chapter_score(THRIVING)
    assert scored.points == {
        "size": Decimal("14.4"),        # 24 of 25 members: 0.96 * 15
        "growth": Decimal("10.0"),      # +4, target +3: full
        "retention": Decimal("15.0"),   # 18 of 20 stayed: 0.9 ≥ 0.8
        "referrals": Decimal("20.0"),
        "visitors": Decimal("7.5"),     # 13 in 26 weeks: 0.5 a week of 1
        "conversion": Decimal("7.7"),   # 2 of 13 = 0.1538, of 0.2: * 10
        "attendance": Decimal("14.8"),  # 450 of 480 = 0.9375, of 0.95: * 15
    }
    assert (scored.score, scored.colour) == (Decimal("89.4"), "green")


def test_a_shrinking_chapter_earns_nothing_for_growth_and_areas_without_figures() -> None:
    shrinking = ChapterActivity(days=182, members_at_start=20, members_at_end=12, stayed=12, referrals=52,
                                visitors=0, visitors_joined=0, attended=0, marked=0)
    scored = chapter_score(shrinking)
    assert scored.points["growth"] == 0 and scored.points["conversion"] == 0 and scored.points["attendance"] == 0
    # size 12/25 * 15 = 7.2; retention 0.6/0.8 * 15 = 11.25; referrals 52/(16 * 26) = 0.125 → 0.25 * 20 = 5
    assert (scored.points["size"], scored.points["retention"], scored.points["referrals"]) == (
        Decimal("7.2"), Decimal("11.3"), Decimal("5.0"))
    assert (scored.score, scored.colour) == (Decimal("23.5"), "grey")


def test_the_scheme_is_configurable() -> None:
    strict = ChapterLightScheme(size=Decimal(48), bands=[{"colour": "green", "min_score": 95},
                                                         {"colour": "red", "min_score": 0}])
    scored = chapter_score(THRIVING, strict)
    assert scored.points["size"] == Decimal("7.5") and scored.colour == "red"


def test_completed_months_are_the_six_calendar_months_before_this_one() -> None:
    assert completed_months(date(2024, 7, 15)) == (date(2024, 1, 1), date(2024, 6, 30))
    assert completed_months(date(2024, 1, 1)) == (date(2023, 7, 1), date(2023, 12, 31))
    assert completed_months(date(2024, 3, 31), months=1) == (date(2024, 2, 1), date(2024, 2, 29))
