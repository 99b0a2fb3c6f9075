"""Property-based tests of the aggregates' rules: pure domain, no I/O."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.members.domain.chapter import Chapter, category_key
from services.members.domain.closed_business import ClosedBusiness
from services.members.domain.errors import Conflict, DomainError, Forbidden, InvalidField
from services.members.domain.meetings import absences_in_six_months, one_to_one_id
from services.members.domain.referral import NEXT_STEPS, Referral
from shared.contracts.members import SealedData
from shared.events import DomainEvent

FOUNDED = date(2024, 1, 10)
TODAY = date(2025, 6, 1)
SEALED = SealedData(key_id="k", nonce="bm9uY2U=", ciphertext="eA==")


def chapter_with(*categories: str) -> Chapter:
    chapter = Chapter("c1")
    chapter.apply(Chapter.found("c1", name="C", city="L", region="Y", meeting_weekday="wednesday",
                                meeting_time=time(7), timezone="Europe/London", currency="GBP",
                                founded_on=FOUNDED, today=TODAY))
    for i, category in enumerate(categories):
        chapter.apply(chapter.join(f"m{i}", name=f"M{i}", business="B", category=category, email="e@x.io",
                                   phone=None, joined_on=FOUNDED, today=TODAY))
    return chapter


categories = st.lists(st.sampled_from(["Accountant", "accountant ", "Florist", "FLORIST", "Plumber", "Baker",
                                       "Dentist", " Lawyer"]), min_size=1, max_size=12)


@given(categories, st.data())
def test_never_two_active_members_in_one_category(applicants: list[str], data: st.DataObject) -> None:
    chapter = chapter_with()
    for i, category in enumerate(applicants):
        try:
            chapter.apply(chapter.join(f"m{i}", name="N", business="B", category=category, email="e@x.io",
                                       phone=None, joined_on=FOUNDED, today=TODAY))
        except Conflict as refused:
            assert category_key(category) in refused.message.casefold()
        active = [m for m in chapter.members.values() if m.active]
        if active and data.draw(st.booleans()):
            leaving = data.draw(st.sampled_from(active))
            chapter.apply(chapter.leave(leaving.member_id, left_on=TODAY, dropped=False, reason=None, today=TODAY))
        keys = [category_key(m.category) for m in chapter.members.values() if m.active]
        assert len(keys) == len(set(keys))


statuses = st.sampled_from(["given", "accepted", "contacted", "won", "lost", "declined"])


@given(st.lists(st.tuples(statuses, st.integers(-3, 10), st.sampled_from(["m0", "m1", "m2"])), max_size=12))
def test_a_referral_only_moves_forward_by_its_receiver_on_non_decreasing_days(
        steps: list[tuple[str, int, str]]) -> None:
    chapter = chapter_with("Accountant", "Florist", "Plumber")
    start = date(2025, 3, 1)
    referral = Referral("r1")
    referral.apply(Referral.give(chapter, "r1", giver_id="m0", receiver_id="m1", referral_type="outside",
                                 temperature=3, prospect=SEALED, occurred_on=start, today=TODAY))
    day = start
    for status, shift, who in steps:
        before = referral.status
        try:
            event = referral.change_status(who, status, reason="why", occurred_on=day + timedelta(days=shift),  # type: ignore[arg-type]
                                           today=TODAY)
        except Forbidden:
            assert who != "m1"
            continue
        except Conflict as refused:
            assert status not in NEXT_STEPS[before] and f"'{before}'" in refused.message
            continue
        except InvalidField as refused:
            assert refused.field == "occurred_on" and shift < 0
            continue
        assert who == "m1" and status in NEXT_STEPS[before] and shift >= 0
        referral.apply(event)
        day = event.occurred_on
    days = [s.occurred_on for s in referral.steps]
    assert days == sorted(days)
    assert referral.steps[0].status == "given"


@given(st.lists(st.tuples(st.integers(0, 400), st.sampled_from("PALMS")), max_size=40), st.integers(0, 400))
def test_absences_count_only_a_marks_within_six_months(marks: list[tuple[int, str]], today_offset: int) -> None:
    base = date(2024, 1, 3)
    today = base + timedelta(days=today_offset)
    dated = [(base + timedelta(days=d), m) for d, m in marks]
    counted = absences_in_six_months(dated, today)  # type: ignore[arg-type]
    last = dict(dated)
    assert counted == sum(1 for d, m in last.items() if m == "A" and timedelta(0) <= today - d < timedelta(days=182))
    assert counted <= sum(1 for _, m in last.items() if m == "A")


@given(st.text(min_size=1, max_size=8), st.text(min_size=1, max_size=8), st.dates())
def test_one_to_one_id_is_the_same_whoever_reports_it(a: str, b: str, day: date) -> None:
    assert one_to_one_id("c1", a, b, day) == one_to_one_id("c1", b, a, day)
    assert one_to_one_id("c1", a, b, day) != one_to_one_id("c2", a, b, day)


@settings(max_examples=60)
@given(st.decimals(min_value=Decimal("-10"), max_value=Decimal("1000000"), places=3, allow_nan=False),
       st.sampled_from(["m0", "m1", "m2"]), st.sampled_from(["m0", "m1", "m2", "stranger"]), st.booleans())
def test_closed_business_credits_a_member_with_a_positive_cent_amount(
        amount: Decimal, reporter: str, thanked: str, linked: bool) -> None:
    chapter = chapter_with("Accountant", "Florist", "Plumber")
    referral = Referral("r1")
    referral.apply(Referral.give(chapter, "r1", giver_id="m0", receiver_id="m1", referral_type="outside",
                                 temperature=3, prospect=SEALED, occurred_on=date(2025, 3, 1), today=TODAY))
    try:
        event = ClosedBusiness.report(chapter, "cb1", reported_by=reporter, thanked_member_id=thanked, amount=amount,
                                      business_kind="new", referral_type="outside",
                                      referral=referral if linked else None, occurred_on=date(2025, 4, 1),
                                      today=TODAY)
    except DomainError:
        return
    assert event.amount > 0 and event.amount == amount and event.currency == "GBP"
    assert thanked != reporter and thanked in chapter.members
    if linked:
        assert thanked == "m0" and reporter == "m1"


def test_a_dispute_needs_the_thanked_member_and_a_reason() -> None:
    chapter = chapter_with("Accountant", "Florist")
    slip = ClosedBusiness("cb1")
    reported = ClosedBusiness.report(chapter, "cb1", reported_by="m1", thanked_member_id="m0",
                                     amount=Decimal("5.00"), business_kind="repeat", referral_type="inside",
                                     referral=None, occurred_on=TODAY, today=TODAY)
    slip = ClosedBusiness.load("cb1", [reported])
    with pytest.raises(Forbidden):
        slip.dispute("m1", reason="no", occurred_on=TODAY, today=TODAY)
    with pytest.raises(InvalidField):
        slip.dispute("m0", reason=" ", occurred_on=TODAY, today=TODAY)
    confirmed = ClosedBusiness.load("cb1", [reported, slip.confirm("m0", occurred_on=TODAY, today=TODAY)])
    with pytest.raises(Conflict):
        confirmed.dispute("m0", reason="changed my mind", occurred_on=TODAY, today=TODAY)


@given(categories, st.lists(st.tuples(st.integers(0, 13), st.booleans()), min_size=1, max_size=10))
def test_a_kept_chapter_state_decides_as_a_full_replay_would(applicants: list[str],
                                                             reads: list[tuple[int, bool]]) -> None:
    from services.members.adapters.history_cache import ChapterStates

    founded = Chapter.found("c1", name="C", city="L", region="Y", meeting_weekday="wednesday",
                            meeting_time=time(7), timezone="Europe/London", currency="GBP", founded_on=FOUNDED,
                            today=TODAY)
    chapter = Chapter.load("c1", [founded])
    history: list[DomainEvent] = [founded]
    for i, category in enumerate(applicants):
        try:
            event = chapter.join(f"m{i}", name="N", business="B", category=category, email="e@x.io", phone=None,
                                 joined_on=FOUNDED, today=TODAY)
        except Conflict:
            event = chapter.leave(next(iter(m.member_id for m in chapter.members.values() if m.active)),
                                  left_on=TODAY, dropped=False, reason=None, today=TODAY)
        chapter.apply(event)
        history.append(event)
    states = ChapterStates()
    for length, keep in reads:  # reads of any prefix, longer or shorter than what is kept
        prefix = history[:max(1, min(length, len(history)))]
        got = states.at("c1", prefix, keep)
        expected = Chapter.load("c1", prefix)
        assert (got.version, got.members) == (expected.version, expected.members)
        got.apply(chapter.join("intruder", name="I", business="B", category="Unheard Of", email="i@x.io",
                               phone=None, joined_on=FOUNDED, today=TODAY))  # a use case changing its copy
    again = states.at("c1", history, keep=False)
    assert "intruder" not in again.members and again.members == chapter.members

