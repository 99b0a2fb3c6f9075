"""Traffic lights: a member's six months scored in five areas, the colour band the score falls in, and
when a change of colour is news."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from pydantic import BaseModel, Field

from shared.contracts.referrals import Colour, TrafficLightChanged

AREAS = ("attendance", "referrals", "one_to_ones", "ceus", "visitors")


class Band(BaseModel):
    colour: Colour
    min_score: Decimal


class TrafficLightScheme(BaseModel):
    """Five areas with a weight (max points) each; rates at or above the target earn full points,
    below it proportionally. Attendance earns points by the number of absences (index = absences;
    beyond the list: 0). Defaults are the common scheme from the domain notes."""

    weights: dict[str, Decimal] = Field(default_factory=lambda: {a: Decimal(20) for a in AREAS})
    referrals_per_week: Decimal = Decimal("1")
    one_to_ones_per_week: Decimal = Decimal("1")
    ceus_per_week: Decimal = Decimal("1")
    visitors_per_month: Decimal = Decimal("1")
    # fraction of the attendance weight by absences in the window: 0 → full, 1 → 75%, 2 → 50%, 3+ → 0
    attendance_by_absences: list[Decimal] = Field(
        default_factory=lambda: [Decimal("1"), Decimal("0.75"), Decimal("0.5")])
    bands: list[Band] = Field(default_factory=lambda: default_bands())

    def colour(self, score: Decimal) -> Colour:
        return band_colour(self.bands, score)


def default_bands() -> list[Band]:
    """Green from 70, yellow from 50, red from 30, grey below (members' and chapters' lights alike)."""
    return [Band(colour="green", min_score=Decimal(70)), Band(colour="yellow", min_score=Decimal(50)),
            Band(colour="red", min_score=Decimal(30)), Band(colour="grey", min_score=Decimal(0))]


def band_colour(bands: list[Band], score: Decimal) -> Colour:
    """The colour of the highest band the score reaches; grey below them all."""
    for band in sorted(bands, key=lambda b: b.min_score, reverse=True):
        if score >= band.min_score:
            return band.colour
    return "grey"


@dataclass(frozen=True)
class Activity:
    """A member's counts over a window of `days` days."""

    days: int
    absences: int = 0
    meetings: int = 0
    referrals_given: int = 0
    one_to_ones: int = 0
    ceu_credits: int = 0
    visitors: int = 0


@dataclass(frozen=True)
class Score:
    points: dict[str, Decimal] = field(default_factory=dict)
    score: Decimal = Decimal(0)
    colour: Colour = "grey"


ONE_PLACE = Decimal("0.1")
DAYS_PER_MONTH = Decimal("365.25") / 12


def _rate_points(count: int, per_period: Decimal, target: Decimal, weight: Decimal) -> Decimal:
    if per_period <= 0 or target <= 0:
        return weight
    rate = Decimal(count) / per_period
    return min(Decimal(1), rate / target) * weight


def score(activity: Activity, scheme: TrafficLightScheme | None = None) -> Score:
    """Points per area (one decimal), their sum and the colour band it falls in."""
    scheme = scheme or TrafficLightScheme()
    weeks = Decimal(max(activity.days, 1)) / 7
    months = Decimal(max(activity.days, 1)) / DAYS_PER_MONTH
    w = {a: Decimal(scheme.weights.get(a, 0)) for a in AREAS}
    fractions = scheme.attendance_by_absences
    att = fractions[activity.absences] if activity.absences < len(fractions) else Decimal(0)
    raw = {
        "attendance": att * w["attendance"],
        "referrals": _rate_points(activity.referrals_given, weeks, scheme.referrals_per_week, w["referrals"]),
        "one_to_ones": _rate_points(activity.one_to_ones, weeks, scheme.one_to_ones_per_week, w["one_to_ones"]),
        "ceus": _rate_points(activity.ceu_credits, weeks, scheme.ceus_per_week, w["ceus"]),
        "visitors": _rate_points(activity.visitors, months, scheme.visitors_per_month, w["visitors"]),
    }
    points = {a: v.quantize(ONE_PLACE, ROUND_HALF_UP) for a, v in raw.items()}
    total = sum(points.values(), Decimal(0)).quantize(ONE_PLACE, ROUND_HALF_UP)
    return Score(points=points, score=total, colour=scheme.colour(total))


def traffic_light_changed(chapter_id: str, member_id: str, before: Colour | None, now: Score,
                          window: tuple[date, date]) -> TrafficLightChanged | None:
    """The event due when a member's colour differs from the one last stored. A member scored for the
    first time (`before` None) has no change to announce: their first colour is where they start."""
    if before is None or before == now.colour:
        return None
    return TrafficLightChanged(chapter_id=chapter_id, member_id=member_id, from_colour=before,
                               to_colour=now.colour, score=now.score, points=now.points, window_from=window[0],
                               as_of=window[1])


def raise_next(activity: Activity, result: Score, scheme: TrafficLightScheme | None = None) -> list[dict[str, object]]:
    """What would raise a member's score next: the areas short of full points, most points missing first,
    with how many more slips in the window would fill each rate area (attendance rises only as absences
    leave the window: no count)."""
    scheme = scheme or TrafficLightScheme()
    weeks = Decimal(max(activity.days, 1)) / 7
    months = Decimal(max(activity.days, 1)) / DAYS_PER_MONTH
    needed = {"referrals": (activity.referrals_given, weeks * scheme.referrals_per_week),
              "one_to_ones": (activity.one_to_ones, weeks * scheme.one_to_ones_per_week),
              "ceus": (activity.ceu_credits, weeks * scheme.ceus_per_week),
              "visitors": (activity.visitors, months * scheme.visitors_per_month)}
    steps: list[dict[str, object]] = []
    for area in AREAS:
        most = Decimal(scheme.weights.get(area, 0)).quantize(ONE_PLACE, ROUND_HALF_UP)
        missing = most - result.points.get(area, Decimal(0))
        if missing <= 0:
            continue
        more = None
        if area in needed:
            count, target = needed[area]
            more = max(0, int(target.to_integral_value(rounding=ROUND_CEILING)) - count)
        steps.append({"area": area, "points": result.points.get(area, Decimal(0)), "max_points": most,
                      "missing": missing, "more_needed": more})
    return sorted(steps, key=lambda s: s["missing"], reverse=True)  # type: ignore[arg-type,return-value]
