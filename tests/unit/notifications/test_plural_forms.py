"""Counted nouns and days read right in every chapter language: Polish takes three forms (1 rekomendacja,
2 rekomendacje, 5 rekomendacji), numbers and days are written the language's way, and the imported-history
summary counts its slips with them."""

from __future__ import annotations

import pytest

from services.notifications.domain import kinds as k
from services.notifications.domain.messages.counted import counted
from services.notifications.domain.rendering import Context, format_day, render


@pytest.mark.parametrize(("n", "text"), [
    (1, "1 rekomendacja"), (2, "2 rekomendacje"), (4, "4 rekomendacje"), (5, "5 rekomendacji"),
    (12, "12 rekomendacji"), (22, "22 rekomendacje"), (25, "25 rekomendacji"), (112, "112 rekomendacji"),
    (1010, "1\u00a0010 rekomendacji"), (10_022, "10\u00a0022 rekomendacje")])
def test_polish_counts_take_one_few_or_many(n: int, text: str) -> None:
    assert counted("pl", "referral", n) == text


def test_other_languages_count_their_own_way() -> None:
    assert counted("en", "referral", 1) == "1 referral" and counted("en", "referral", 1010) == "1,010 referrals"
    assert counted("de", "visitor", 1) == "1 Gast" and counted("de", "visitor", 1010) == "1.010 Gäste"
    assert counted("fr", "ceu", 0) == "0 formation"  # French counts zero as one
    assert counted("es", "one-to-one", 2) == "2 reuniones uno a uno"
    assert counted("pl", "visitor", 3) == "3 goście" and counted("pl", "visitor", 7) == "7 gości"
    assert counted("en", "something-new", 3) == "3 something-new"  # a kind this version has no word for


def test_days_are_written_as_the_language_writes_them_in_a_sentence() -> None:
    days = {language: format_day("2025-03-05", language) for language in ("en", "de", "fr", "nl", "es", "pl")}
    assert days == {"en": "March 5, 2025", "de": "5. März 2025", "fr": "5 mars 2025", "nl": "5 maart 2025",
                    "es": "5 de marzo de 2025", "pl": "5 marca 2025"}
    assert format_day("not a day", "pl") == "not a day"


def test_the_history_summary_counts_its_slips_in_the_chapters_language() -> None:
    data = {"first_on": "2024-03-06", "last_on": "2024-10-06",
            "slips": {"referral": 1010, "closed-business": 22, "visitor": 1}}
    ctx = Context(recipient_name="Ann", chapter_name="Wisła", currency="PLN", language="pl",
                  timezone="Europe/Warsaw")
    text = render(k.HISTORY_IMPORTED, data, ctx).text
    assert "od 6 marca 2024 do 6 października 2024" in text
    assert "22 zamknięte biznesy, 1\u00a0010 rekomendacji, 1 gość." in text
