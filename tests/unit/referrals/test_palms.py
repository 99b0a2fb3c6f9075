"""PALMS columns from slips, the month of a day, and a workbook that never turns typed text into a formula."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl

from services.referrals.domain.palms import PalmsTally, month_of
from services.referrals.entrypoints.spreadsheet import workbook


def test_a_month_runs_from_its_first_to_its_last_day() -> None:
    assert month_of(date(2024, 2, 14)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert month_of(date(2023, 12, 31)) == (date(2023, 12, 1), date(2023, 12, 31))


def test_each_slip_lands_in_its_palms_column() -> None:
    tally = PalmsTally([{"member_id": "a", "member_name": "Ann", "business": "Ann Ltd"},
                        {"member_id": "b", "member_name": "Bob", "business": "Bob Ltd"}])
    for slip in ({"kind": "attendance", "member_id": "a", "mark": "L"},
                 {"kind": "attendance", "member_id": "a", "mark": "M"},
                 {"kind": "referral", "member_id": "a", "other_id": "b", "referral_type": "tier-3"},
                 {"kind": "referral", "member_id": "b", "other_id": "a", "referral_type": "inside"},
                 {"kind": "closed-business", "member_id": "b", "other_id": "a", "amount": Decimal("99.50")},
                 {"kind": "visitor-invited", "member_id": "a", "other_id": None},
                 {"kind": "visitor-attended", "member_id": "a", "other_id": None}):
        tally.add(slip)
    ann, bob, total = tally.table()
    assert (ann["L"], ann["M"], ann["RGO"], ann["RRI"], ann["V"], ann["TYFCB"]) == (1, 1, 1, 1, 1, 0)
    assert (bob["RGI"], bob["RRO"], bob["TYFCB"]) == (1, 1, Decimal("99.50"))
    assert (total["member_name"], total["RGI"], total["RGO"], total["TYFCB"]) == ("Total", 1, 1, Decimal("99.50"))


def test_typed_text_that_looks_like_a_formula_stays_text_in_the_workbook() -> None:
    data = workbook({"palms": [{"member_name": "=1+1", "TYFCB": Decimal("10.50")},
                               {"member_name": "@SUM(A1)", "TYFCB": Decimal("3")}]})
    sheet = openpyxl.load_workbook(io.BytesIO(data))["palms"]
    assert [(c.value, c.data_type) for c in sheet["A"]][1:] == [("=1+1", "s"), ("@SUM(A1)", "s")]
    assert [c.value for c in sheet["B"]][1:] == [10.5, 3]
