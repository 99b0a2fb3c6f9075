"""A history file's cells read as values: dates, amounts, choices from a table of spellings, and each
row's stable identity. A cell that cannot be read refuses its row (`RowRefused`), naming the field."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from services.members.adapters.slip_files import Cell, SheetRow
from services.members.service_layer.imports.month_names import month_number
from shared.contracts.members import BusinessKind, MeetingMode, ReferralType

SlipKind = Literal["referral", "closed-business", "one-to-one", "ceu", "visitor"]

# value spellings (compared case-, space- and punctuation-free) -> canonical value
SLIP_KINDS: dict[str, SlipKind] = {
    **dict.fromkeys(("referral", "referrals", "ref", "referralgiven", "r"), "referral"),
    **dict.fromkeys(("closedbusiness", "tyfcb", "thankyouforclosedbusiness", "closed", "cb", "business"),
                    "closed-business"),
    **dict.fromkeys(("onetoone", "121", "1to1", "oneonone", "1on1", "onetoones", "o2o"), "one-to-one"),
    **dict.fromkeys(("ceu", "ceus", "education", "educationcredit", "continuingeducation"), "ceu"),
    **dict.fromkeys(("visitor", "visitors", "guest", "visitorinvited"), "visitor"),
}
REFERRAL_TYPES: dict[str, ReferralType] = {
    **dict.fromkeys(("inside", "in", "internal"), "inside"),
    **dict.fromkeys(("outside", "out", "external"), "outside"),
    **dict.fromkeys(("tier3", "3", "tieriii", "third", "thirdtier"), "tier-3"),
}
BUSINESS_KINDS: dict[str, BusinessKind] = {
    **dict.fromkeys(("new", "n", "newbusiness"), "new"),
    **dict.fromkeys(("repeat", "r", "repeatbusiness", "existing", "recurring"), "repeat"),
}
MODES: dict[str, MeetingMode] = {
    **dict.fromkeys(("inperson", "person", "facetoface", "f2f", "coffee"), "in-person"),
    **dict.fromkeys(("video", "online", "zoom", "teams", "virtual"), "video"),
    **dict.fromkeys(("phone", "call", "telephone"), "phone"),
}


class RowRefused(Exception):
    """This row is not recorded; `field` and the value are named in the message."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


# --- cell values ----------------------------------------------------------------------------------

def spelling_key(value: Cell) -> str:
    return "".join(ch for ch in str(value).casefold() if ch.isalnum())


def cell_text(value: Cell) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def parse_date(value: Cell, field_name: str = "date") -> date:
    """ISO dates (2024-03-06), spreadsheet date cells and '6 Mar 2024'; never 03/06/2024 (which day?)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = (cell_text(value) or "")
    try:
        return date.fromisoformat(text[:10]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T].*)?", text) else _named(text)
    except ValueError:
        pass
    if re.fullmatch(r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}", text):
        raise RowRefused(field_name, f"date {text!r} is ambiguous (day/month or month/day?): write it as YYYY-MM-DD")
    raise RowRefused(field_name, f"date {text!r} is not a date (write it as YYYY-MM-DD)")


def _named(text: str) -> date:
    """`6 Mar 2024`, `6-Mar-2024`, `6. März 2024`, `6 de marzo de 2024`, `6 marca 2024`: a day, a month's
    name in any chapter language (see `month_names`), a year."""
    match = re.fullmatch(r"(\d{1,2})\.?[ -](?:de )?([^\W\d_]+\.?)[ -](?:de )?(\d{4})", text, flags=re.IGNORECASE)
    month = month_number(match.group(2)) if match else None
    if match is None or month is None:
        raise ValueError(text)
    return date(int(match.group(3)), month, int(match.group(1)))


def parse_amount(value: Cell, decimal_comma: bool = False) -> Decimal:
    """'1250', '1,250.00', '£1,250.00', 'GBP 1250.5', '1 234,50', '1.234,50 zł' or a number cell: a positive
    amount, two decimals. With both separators the last one is the decimal one; with one that could be
    either ('1,250', '1.250') the chapter's convention decides (`decimal_comma`: de, fr, nl, es, pl)."""
    if isinstance(value, bool):
        raise RowRefused("amount", f"amount {value!r} is not a number")
    if isinstance(value, int | float | Decimal):
        amount = Decimal(str(value))
    else:
        text = re.sub(r"^[^\W\d_]{1,3}\.?\s*|\s*[^\W\d_]{1,3}\.?$|[£$€¥\s\u00a0\u202f']", "", cell_text(value) or "")
        number = _plain_number(text, decimal_comma)
        if number is None:
            raise RowRefused("amount", f"amount {value!r} is not an amount (e.g. 1250.00 or 1 250,00)")
        amount = Decimal(number)
    try:
        if amount <= 0:
            raise RowRefused("amount", f"amount {value!r} must be greater than zero")
        if amount != amount.quantize(Decimal("0.01")):
            raise RowRefused("amount", f"amount {value!r} has more than two decimal places")
        return amount.quantize(Decimal("0.01"))
    except InvalidOperation:
        raise RowRefused("amount", f"amount {value!r} is not an amount") from None


def _plain_number(text: str, decimal_comma: bool) -> str | None:
    """`1.234,50` -> `1234.50`; None when the separators do not make a number (`1,2,3`, `12.34.5`)."""
    commas, dots = text.count(","), text.count(".")
    decimal: str | None
    if commas and dots:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
    elif commas + dots == 1:
        sep = "," if commas else "."
        if len(text) - text.index(sep) - 1 != 3:  # 1,5 / 1234.50: only a decimal separator reads so
            decimal = sep
        else:  # 1,250 or 1.250: a thousands separator in one convention, a decimal one in the other
            decimal = "," if decimal_comma else "."
    else:
        decimal = "." if dots == 0 and commas == 0 else None  # several of one kind: thousands separators
    thousands = {",": ".", ".": ","}.get(decimal or "", "," if commas else ".")
    whole, _, fraction = text.partition(decimal) if decimal and decimal in text else (text, "", "")
    grouped = r"\d+|\d{1,3}(" + re.escape(thousands) + r"\d{3})+"
    if not re.fullmatch(grouped, whole) or not re.fullmatch(r"\d*", fraction):
        return None
    return whole.replace(thousands, "") + ("." + fraction if fraction else "")


def choice(value: Cell, table: dict[str, Any], field_name: str, what: str) -> Any:
    found = table.get(spelling_key(value))
    if found is None:
        accepted = ", ".join(sorted(set(table.values())))
        raise RowRefused(field_name, f"{what} {value!r} is not one of: {accepted}")
    return found


def whole_number(value: Cell, field_name: str, low: int, high: int) -> int:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RowRefused(field_name, f"{field_name} {value!r} is not a whole number") from None
    if number != number.to_integral_value() or not low <= number <= high:
        raise RowRefused(field_name, f"{field_name} {value!r} must be a whole number from {low} to {high}")
    return int(number)


def required(values: dict[str, Cell], field_name: str, kind: str) -> Cell:
    value = values.get(field_name)
    if value is None:
        raise RowRefused(field_name, f"a {kind} row needs '{field_name}'")
    return value


# --- row identity ---------------------------------------------------------------------------------

def _canonical(name: str, value: Cell) -> str:
    """The row's content as identity sees it: the same slip in CSV and in .xlsx hashes the same."""
    if value is None:
        return ""
    try:
        if name == "date" or name == "joined_on":
            return parse_date(value).isoformat()
        if name == "amount":
            return str(parse_amount(value))
        if name in ("temperature", "credits") and isinstance(value, int | float | Decimal):
            return str(Decimal(str(value)).normalize())
    except RowRefused:
        pass
    return " ".join(str(value).split()).casefold()


def _messages(chapter_id: str, file: str, rows: list[SheetRow]) -> list[bytes]:
    """(chapter, file, normalised content, occurrence index among identical rows) of each row."""
    seen: Counter[str] = Counter()
    out = []
    for row in rows:
        content = "\x1e".join(f"{k}={_canonical(k, v)}" for k, v in sorted(row.values.items()) if v is not None)
        occurrence = seen[content]
        seen[content] += 1
        out.append(f"{chapter_id}\x1f{file}\x1f{content}\x1f{occurrence}".encode())
    return out


def row_identities(chapter_id: str, file: str, rows: list[SheetRow], *, secret: bytes) -> list[str]:
    """HMAC-SHA256 of each row under the chapter's secret: stable across exports and re-imports of the
    chapter, but nobody without the secret can confirm a guessed prospect (name, phone, e-mail) from one."""
    if len(secret) < 32:
        raise ValueError("a chapter's row-identity secret has at least 32 bytes")
    return [hmac.new(secret, message, hashlib.sha256).hexdigest()[:24]
            for message in _messages(chapter_id, file, rows)]


def unkeyed_row_identities(chapter_id: str, file: str, rows: list[SheetRow]) -> list[str]:
    """The identities rows were imported under before chapters had secrets (a plain SHA-256): only looked up,
    so a file imported then is still recognised, never given to a new row."""
    return [hashlib.sha256(message).hexdigest()[:24] for message in _messages(chapter_id, file, rows)]
