"""CSV cells that a spreadsheet would run, and the open-stream counts."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from fastapi import HTTPException

from services.referrals.entrypoints.rendering import render
from services.referrals.entrypoints.stream_slots import StreamSlots


def exported(rows: list[dict[str, object]]) -> list[dict[str, str]]:
    response = render({"members": rows}, "csv", None, stale=False)
    return list(csv.DictReader(io.StringIO(bytes(response.body).decode())))


@pytest.mark.parametrize("typed", ['=HYPERLINK("http://evil.example","x")', "+1+2", "-2+3", "@SUM(A1)",
                                   "\t=1", "\r=1"])
def test_text_that_starts_like_a_formula_is_shown_not_run(typed: str) -> None:
    assert exported([{"member_name": typed}])[0]["member_name"] == "'" + typed


def test_numbers_dates_and_plain_text_are_left_alone() -> None:
    row = exported([{"member_name": "Ann-Marie", "index": Decimal("-0.5"), "balance": -3, "on": date(2024, 1, 2),
                     "none": None, "note": "a - b = c"}])[0]
    assert row == {"member_name": "Ann-Marie", "index": "-0.5", "balance": "-3", "on": "2024-01-02", "none": "",
                   "note": "a - b = c"}


def test_streams_beyond_the_caps_are_refused_and_closing_one_frees_its_slot() -> None:
    slots = StreamSlots(per_member=2, per_chapter=3)
    first = slots.take("ann", "c1")
    slots.take("ann", "c1")
    with pytest.raises(HTTPException) as refused:
        slots.take("ann", "c1")
    assert refused.value.status_code == 429
    slots.take("bob", "c1")
    with pytest.raises(HTTPException):
        slots.take("cy", "c1")  # the chapter is full
    slots.take("cy", "c2")  # another chapter is not
    first()
    slots.take("cy", "c1")
    assert slots.members == {"ann": 1, "bob": 1, "cy": 2} and slots.chapters == {"c1": 3, "c2": 1}
