"""The column mapping: the headers a leader's export typically has, by an explicit table, never guessed."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from services.members.adapters.slip_files import FileRefused, read_roster, read_slips, write_xlsx
from services.members.service_layer.imports.cells import RowRefused, parse_amount, parse_date, row_identities


@pytest.mark.parametrize(("headers", "expected"), [
    ("Date,Type,From,To,Amount", ["date", "slip_type", "from", "to", "amount"]),
    ("DATE, slip type ,FROM,Thank you to,TYFCB", ["date", "slip_type", "from", "to", "amount"]),
    ("date;Slip_Type;Given By;Thank-You-To;TYFCB Amount", ["date", "slip_type", "from", "to", "amount"]),
    ("Slip Date,Kind,Giver,Receiver,Inside/Outside,Temp,New/Repeat,Comments",
     ["date", "slip_type", "from", "to", "referral_type", "temperature", "business_kind", "comment"]),
    ("Occurred on,Slip,Member,1-2-1 with,Mode", ["date", "slip_type", "from", "to", "mode"]),
])
def test_typical_headers_map_to_the_same_fields(headers: str, expected: list[str]) -> None:
    sheet = read_slips(headers.encode() + b"\n", "slips.csv")
    assert list(sheet.columns.values()) == expected
    assert sheet.unknown_columns == []


def test_unknown_columns_are_reported_and_ignored() -> None:
    sheet = read_slips(b"Date,Type,From,To,Region,Mood\n2024-01-03,CEU,Ann,,North,happy\n", "x.csv")
    assert sheet.unknown_columns == ["Region", "Mood"]
    assert sheet.rows[0].values == {"date": "2024-01-03", "slip_type": "CEU", "from": "Ann", "to": None}
    assert sheet.rows[0].number == 2


def test_roster_headers_and_xlsx() -> None:
    data = write_xlsx([["Member Name", "Company", "Classification", "E-mail Address", "Member since"],
                       ["Ann Adams", "Adams & Co", "Accountant", "ann@example.com", datetime(2021, 3, 3)],
                       [None, None, None, None, None],
                       ["Bob Brooks", "Petals", "Florist", "bob@example.com", "2022-01-05"]])
    sheet = read_roster(data, "roster.xlsx")
    assert set(sheet.columns.values()) == {"name", "business", "category", "email", "joined_on"}
    assert [r.number for r in sheet.rows] == [2, 4]  # blank rows skipped, numbers as the spreadsheet shows
    with pytest.raises(FileRefused, match="unsupported file type"):
        read_roster(b"x", "roster.pdf")


def test_values_dates_and_amounts() -> None:
    assert parse_date("2024-03-06") == date(2024, 3, 6)
    assert parse_date("6 Mar 2024") == date(2024, 3, 6)
    assert parse_date(datetime(2024, 3, 6, 0, 0)) == date(2024, 3, 6)
    with pytest.raises(RowRefused, match="ambiguous"):
        parse_date("03/06/2024")
    assert parse_amount("£1,250.50") == Decimal("1250.50")
    assert parse_amount(1250.5) == Decimal("1250.50")
    assert parse_amount("GBP 99") == Decimal("99.00")
    for bad in ("-5", "0", "12.345", "lots", "1,2,3", "12.34.5", "12,34,567"):
        with pytest.raises(RowRefused):
            parse_amount(bad)


def test_amounts_in_the_chapters_own_convention() -> None:
    # unambiguous wherever written: both separators, the last is the decimal one; spaces group thousands
    for text in ("1.234,50", "1 234,50", "1\u00a0234,50 zł", "PLN 1 234,50", "€1.234,50", "1,234.50", "1234,5"):
        assert parse_amount(text) == parse_amount(text, decimal_comma=True) == Decimal("1234.50"), text
    # one separator before three digits: a thousands separator in one convention, a decimal one in the other
    assert (parse_amount("1,250"), parse_amount("1,250", decimal_comma=True)) == (Decimal("1250.00"), Decimal("1.25"))
    assert (parse_amount("1.250"), parse_amount("1.250", decimal_comma=True)) == (Decimal("1.25"), Decimal("1250.00"))
    assert parse_amount("1.234.567,89", decimal_comma=True) == Decimal("1234567.89")


def test_dates_with_month_names_in_every_chapter_language() -> None:
    for text in ("6 March 2024", "6-Mar-2024", "6. März 2024", "6 mars 2024", "6 maart 2024", "6 mrt 2024",
                 "6 de marzo de 2024", "6 marca 2024", "6 marzec 2024"):
        assert parse_date(text) == date(2024, 3, 6), text
    assert parse_date("1 października 2024") == parse_date("1 Okt 2024") == date(2024, 10, 1)
    assert parse_date("30 czerwca 2024") == parse_date("30 juin 2024") == date(2024, 6, 30)
    with pytest.raises(RowRefused, match="not a date"):
        parse_date("6 jui 2024")  # juin or juillet?


def test_row_identity_is_stable_across_formats_and_counts_repeats() -> None:
    csv_rows = read_slips(b"Date,Type,From,Amount\n2024-01-03,CEU,Ann,\n2024-01-03,CEU,Ann,\n"
                          b"2024-01-03,TYFCB,Ann,1250.5\n", "a.csv").rows
    xlsx_rows = read_slips(write_xlsx([["date", "TYPE", "from", "tyfcb"], [datetime(2024, 1, 3), "ceu", "ann", None],
                                       [datetime(2024, 1, 3), "CEU", "Ann", None],
                                       [datetime(2024, 1, 3), "TYFCB", "Ann", 1250.50]]), "a.xlsx").rows
    secret = b"s" * 32
    a, b = row_identities("c-1", "slips", csv_rows, secret=secret), row_identities("c-1", "slips", xlsx_rows,
                                                                                 secret=secret)
    assert a == b and len(set(a)) == 3
    assert row_identities("c-2", "slips", csv_rows, secret=secret) != a


def test_a_palms_summary_is_refused_whole_saying_why() -> None:
    palms = write_xlsx([["First Name", "Last Name", "P", "A", "L", "M", "S", "RGI", "RGO", "RRI", "RRO", "V",
                         "1-2-1", "TYFCB", "CEU"], ["Ben", "Baker", 4, 0, 0, 0, 0, 2, 1, 0, 3, 1, 2, 500, 1]])
    with pytest.raises(FileRefused, match="PALMS summary"):
        read_slips(palms, "palms.xlsx")
