"""The referrals service's rules as plain functions: when a derived event is due, and a referral's milestones."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.referrals.config import load_config
from services.referrals.domain.milestones import (
    CLOSED_STATUSES,
    REACHED_BY,
    Step,
    days_to_close,
    days_to_first_contact,
    milestones,
)
from services.referrals.domain.pairs import is_one_sided, pair_became_one_sided
from services.referrals.domain.traffic_lights import Activity, score, traffic_light_changed
from services.referrals.domain.windows import default_window
from shared.clock import SIX_MONTHS

WINDOW = (date(2024, 1, 1), date(2024, 6, 30))

# 26 weeks: a referral, a one-to-one a week, full attendance, no visitor; CEUs make the difference
AT_GREEN_LINE = Activity(days=182, referrals_given=26, one_to_ones=26, ceu_credits=13)  # 20+20+20+10+0 = 70.0
JUST_BELOW = Activity(days=182, referrals_given=26, one_to_ones=26, ceu_credits=12)  # ceus 9.2: 69.2


def test_the_six_month_window_is_182_days_ending_today() -> None:
    assert default_window(date(2024, 6, 30), SIX_MONTHS) == WINDOW
    assert (WINDOW[1] - WINDOW[0]).days + 1 == 182


def test_a_score_of_exactly_the_band_minimum_takes_that_band() -> None:
    assert (score(AT_GREEN_LINE).score, score(AT_GREEN_LINE).colour) == (Decimal("70.0"), "green")
    assert (score(JUST_BELOW).score, score(JUST_BELOW).colour) == (Decimal("69.2"), "yellow")


def test_a_colour_change_is_announced_up_and_down_never_for_the_same_colour() -> None:
    down = traffic_light_changed("c1", "m1", "green", score(JUST_BELOW), WINDOW)
    assert down is not None
    assert (down.from_colour, down.to_colour, down.score) == ("green", "yellow", Decimal("69.2"))
    assert (down.window_from, down.as_of, down.points["ceus"]) == (date(2024, 1, 1), date(2024, 6, 30),
                                                                   Decimal("9.2"))
    up = traffic_light_changed("c1", "m1", "red", score(AT_GREEN_LINE), WINDOW)
    assert up is not None and (up.from_colour, up.to_colour) == ("red", "green")
    assert traffic_light_changed("c1", "m1", "green", score(AT_GREEN_LINE), WINDOW) is None


def test_a_members_first_colour_is_no_change() -> None:
    assert traffic_light_changed("c1", "m1", None, score(Activity(days=182, absences=3)), WINDOW) is None


def test_one_sided_from_the_threshold_on_and_only_with_nothing_back() -> None:
    assert is_one_sided(3, 0)
    assert not is_one_sided(2, 0)  # one below the default threshold
    assert not is_one_sided(9, 1)  # a single referral back evens it out
    assert not is_one_sided(4, 0, threshold=5) and is_one_sided(5, 0, threshold=5)


def test_a_pair_is_announced_when_it_becomes_one_sided_not_while_it_stays_so() -> None:
    became = pair_became_one_sided("c1", "a", "b", 3, 0, was_one_sided=False, window=WINDOW)
    assert became is not None
    assert (became.giver_id, became.receiver_id, became.given, became.received) == ("a", "b", 3, 0)
    assert (became.window_from, became.as_of) == WINDOW
    assert pair_became_one_sided("c1", "a", "b", 4, 0, was_one_sided=True, window=WINDOW) is None
    assert pair_became_one_sided("c1", "a", "b", 2, 0, was_one_sided=False, window=WINDOW) is None
    assert pair_became_one_sided("c1", "a", "b", 4, 0, was_one_sided=False, window=WINDOW, threshold=5) is None


def test_milestones_of_the_whole_pipeline_in_any_order() -> None:
    steps = [Step("won", date(2024, 3, 20), 9), Step("accepted", date(2024, 3, 2), 4),
             Step("contacted", date(2024, 3, 5), 6)]
    m = milestones(steps)
    assert m is not None
    assert (m.status, m.accepted_on, m.contacted_on, m.won_on, m.closed_on, m.last_step_on) == (
        "won", date(2024, 3, 2), date(2024, 3, 5), date(2024, 3, 20), date(2024, 3, 20), date(2024, 3, 20))
    assert days_to_close(date(2024, 3, 1), m.won_on or date.min) == 19
    assert days_to_first_contact(date(2024, 3, 1), m.contacted_on) == 4


def test_a_skipped_stage_takes_the_day_of_the_step_beyond_it() -> None:
    m = milestones([Step("won", date(2024, 4, 10), 3)])  # recorded straight as won
    assert m is not None
    assert (m.accepted_on, m.contacted_on, m.won_on, m.closed_on) == (date(2024, 4, 10),) * 4
    m = milestones([Step("contacted", date(2024, 4, 2), 5)])  # acceptance never recorded
    assert m is not None and (m.status, m.accepted_on, m.won_on, m.closed_on) == (
        "contacted", date(2024, 4, 2), None, None)


def test_lost_and_declined_referrals() -> None:
    lost = milestones([Step("accepted", date(2024, 5, 1), 1), Step("lost", date(2024, 5, 9), 2)])
    assert lost is not None
    # lost only follows contact, but no contact day is made up for it: days to contact stay unknown
    assert (lost.status, lost.accepted_on, lost.contacted_on, lost.closed_on) == (
        "lost", date(2024, 5, 1), None, date(2024, 5, 9))
    assert days_to_first_contact(date(2024, 4, 30), lost.contacted_on) is None
    declined = milestones([Step("declined", date(2024, 5, 3), 7)])
    assert declined is not None
    assert (declined.status, declined.accepted_on, declined.closed_on) == ("declined", None, date(2024, 5, 3))


def test_two_steps_on_one_day_the_later_recorded_is_the_status() -> None:
    m = milestones([Step("contacted", date(2024, 6, 1), 12), Step("accepted", date(2024, 6, 1), 11)])
    assert m is not None and (m.status, m.accepted_on, m.contacted_on) == ("contacted", date(2024, 6, 1),
                                                                           date(2024, 6, 1))
    assert milestones([]) is None


def test_which_statuses_reach_which_milestone() -> None:
    assert REACHED_BY == {"accepted": {"accepted", "contacted", "won", "lost"}, "contacted": {"contacted", "won"},
                          "won": {"won"}}
    assert CLOSED_STATUSES == {"won", "lost", "declined"}


def test_configuration_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REFERRALS_ONE_SIDED_THRESHOLD", raising=False)
    assert load_config().one_sided_threshold == 3
    monkeypatch.setenv("REFERRALS_ONE_SIDED_THRESHOLD", "5")
    monkeypatch.setenv("REFERRALS_TRAFFIC_LIGHTS", '{"bands": [{"colour": "green", "min_score": 90},'
                                                   ' {"colour": "red", "min_score": 0}]}')
    config = load_config()
    assert config.one_sided_threshold == 5
    assert config.traffic_lights.colour(Decimal("89.9")) == "red"
    monkeypatch.setenv("REFERRALS_TRAFFIC_LIGHTS", "")  # empty: the default scheme
    assert load_config().traffic_lights.colour(Decimal("70")) == "green"
