"""Chapter traffic lights: the scorecard regions use to compare chapters, scored like the members' lights
(points per area up to its weight, proportional below the target, colour bands on the sum).

Areas and their figures over the window:
- size: members at the window's end;
- growth: members at the end minus members at the start (nothing for zero or fewer);
- retention: of the members at the start, the share still members at the end;
- referrals: referrals given per member per week (members averaged over the window's two ends);
- visitors: visitors who attended, per week;
- conversion: of those visitors, the share who became members;
- attendance: meetings attended (present, late or substituted) over meetings marked, medical absences left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel, Field

from services.referrals.domain.conversion import ratio
from services.referrals.domain.traffic_lights import Band, Score, band_colour, default_bands
from shared.contracts.referrals import Colour

CHAPTER_AREAS = ("size", "growth", "retention", "referrals", "visitors", "conversion", "attendance")
ONE_PLACE = Decimal("0.1")
WindowKind = Literal["rolling", "completed"]


class ChapterLightScheme(BaseModel):
    """Weights (max points) per area, the target that earns them in full, and the colour bands
    (`REFERRALS_CHAPTER_LIGHTS`, JSON; every field optional)."""

    weights: dict[str, Decimal] = Field(default_factory=lambda: {
        "size": Decimal(15), "growth": Decimal(10), "retention": Decimal(15), "referrals": Decimal(20),
        "visitors": Decimal(15), "conversion": Decimal(10), "attendance": Decimal(15)})
    size: Decimal = Decimal(25)
    growth: Decimal = Decimal(3)
    retention: Decimal = Decimal("0.8")
    referrals_per_member_per_week: Decimal = Decimal("0.5")
    visitors_per_week: Decimal = Decimal(1)
    conversion: Decimal = Decimal("0.2")
    attendance: Decimal = Decimal("0.95")
    bands: list[Band] = Field(default_factory=lambda: default_bands())

    def colour(self, score: Decimal) -> Colour:
        return band_colour(self.bands, score)


@dataclass(frozen=True)
class ChapterActivity:
    """A chapter's counts over a window of `days` days."""

    days: int
    members_at_start: int
    members_at_end: int
    stayed: int
    referrals: int
    visitors: int
    visitors_joined: int
    attended: int
    marked: int


def chapter_figures(a: ChapterActivity) -> dict[str, Decimal | int | None]:
    """The areas' figures (four decimals), before points."""
    weeks = Decimal(max(a.days, 1)) / 7
    average_members = Decimal(a.members_at_start + a.members_at_end) / 2
    return {"size": a.members_at_end, "growth": a.members_at_end - a.members_at_start,
            "retention": ratio(a.stayed, a.members_at_start),
            "referrals": ratio(Decimal(a.referrals), average_members * weeks) if average_members else None,
            "visitors": ratio(Decimal(a.visitors), weeks), "conversion": ratio(a.visitors_joined, a.visitors),
            "attendance": ratio(a.attended, a.marked)}


def chapter_score(a: ChapterActivity, scheme: ChapterLightScheme | None = None) -> Score:
    """Points per area (one decimal): the figure over its target, capped at 1, times the weight; an area
    without a figure (no visitors to convert, no meetings marked) earns nothing."""
    scheme = scheme or ChapterLightScheme()
    figures = chapter_figures(a)
    targets = {"size": scheme.size, "growth": scheme.growth, "retention": scheme.retention,
               "referrals": scheme.referrals_per_member_per_week, "visitors": scheme.visitors_per_week,
               "conversion": scheme.conversion, "attendance": scheme.attendance}
    points = {}
    for area in CHAPTER_AREAS:
        weight, target, figure = Decimal(scheme.weights.get(area, 0)), targets[area], figures[area]
        share = Decimal(0) if figure is None or figure <= 0 else min(Decimal(1), Decimal(figure) / target)
        points[area] = (share * weight).quantize(ONE_PLACE, ROUND_HALF_UP)
    total = sum(points.values(), Decimal(0)).quantize(ONE_PLACE, ROUND_HALF_UP)
    return Score(points=points, score=total, colour=scheme.colour(total))


def completed_months(today: date, months: int = 6) -> tuple[date, date]:
    """The `months` calendar months completed before today's month (how BNI scores): on 15 July, 1 January
    to 30 June."""
    end = today.replace(day=1) - timedelta(days=1)
    start = end.replace(day=1)
    for _ in range(months - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    return start, end
