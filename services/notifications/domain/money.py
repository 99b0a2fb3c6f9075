"""Amounts in the chapter's currency, written the way the chapter's language writes them (CLDR, by Babel):
`£1,234.50` in English, `1.234,50 €` in German, `1 234,50 zł` in Polish."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision


def locale_of(language: str) -> Locale:
    """The chapter's language as a CLDR locale; English for anything Babel does not know."""
    try:
        return Locale.parse(language or "en")
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


def format_money(amount: Decimal | str | float, currency: str, language: str = "") -> str:
    """`format_money(Decimal("1234.5"), "GBP", "en")` → `£1,234.50`; ("EUR", "de") → `1.234,50 €`;
    ("GBP", "pl") → `1 234,50 GBP`. The separators are CLDR's (non-breaking spaces where it says so)."""
    # rounded half up first, as people round money (Babel alone would round half to even: ¥1,234 for 1234.5)
    places = get_currency_precision(currency)
    value = Decimal(str(amount)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return str(format_currency(value, currency, locale=locale_of(language)))
