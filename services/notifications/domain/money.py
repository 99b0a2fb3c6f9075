"""Amounts in the chapter's currency, formatted the way that currency's users write them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# symbol, symbol before the number, thousands separator, decimal separator, decimals
_STYLES: dict[str, tuple[str, bool, str, str, int]] = {
    "GBP": ("£", True, ",", ".", 2),
    "USD": ("$", True, ",", ".", 2),
    "CAD": ("CA$", True, ",", ".", 2),
    "AUD": ("A$", True, ",", ".", 2),
    "NZD": ("NZ$", True, ",", ".", 2),
    "EUR": ("€", False, ".", ",", 2),
    "CHF": ("CHF ", True, "\u2019", ".", 2),
    "SEK": (" kr", False, " ", ",", 2),
    "NOK": (" kr", False, " ", ",", 2),
    "DKK": (" kr.", False, ".", ",", 2),
    "PLN": (" zł", False, " ", ",", 2),
    "JPY": ("¥", True, ",", ".", 0),
    "INR": ("₹", True, ",", ".", 2),
    "ZAR": ("R ", True, " ", ",", 2),
    "BRL": ("R$ ", True, ".", ",", 2),
}


# Polish writes every currency the same way: `1 234,50 zł`, `1 234,50 €`, `1 234,50 GBP` (non-breaking spaces)
_POLISH_SYMBOLS = {"PLN": "zł", "EUR": "€", "JPY": "¥"}


def format_money(amount: Decimal | str | float, currency: str, language: str = "") -> str:
    """`format_money(Decimal("1234.5"), "GBP")` → `£1,234.50`; EUR → `1.234,50 €`; unknown → `1,234.50 XYZ`.
    In a Polish chapter (`language="pl"`) any currency reads the Polish way: `1 234,50 zł`, `1 234,50 GBP`."""
    value = Decimal(str(amount))
    symbol, before, thousands, point, places = _STYLES.get(currency, (f" {currency}", False, ",", ".", 2))
    if language == "pl":
        symbol, before, thousands, point = "\u00a0" + _POLISH_SYMBOLS.get(currency, currency), False, "\u00a0", ","
    quantum = Decimal(1).scaleb(-places)
    rounded = value.copy_abs().quantize(quantum, rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{rounded:f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    number = thousands.join(groups) + (point + fraction if places else "")
    sign = "-" if value < 0 else ""
    if before:
        return f"{sign}{symbol}{number}"
    if symbol.startswith((" ", "\u00a0")):
        return f"{sign}{number}{symbol}"
    return f"{sign}{number} {symbol}"
