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
    **dict.fromkeys(("repeat", "r", "repeatbusiness", "existing"), "repeat"),
}
MODES: dict[str, MeetingMode] = {
    **dict.fromkeys(("inperson", "person", "facetoface", "f2f", "coffee"), "in-person"),
    **dict.fromkeys(("video", "online", "zoom", "teams", "virtual"), "video"),
    **dict.fromkeys(("phone", "call", "telephone"), "phone"),
}
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


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
    match = re.fullmatch(r"(\d{1,2})[ -]([A-Za-z]{3})[A-Za-z]*\.?[ -](\d{4})", text)
    if match is None or match.group(2).casefold() not in MONTHS:
        raise ValueError(text)
    return date(int(match.group(3)), MONTHS.index(match.group(2).casefold()) + 1, int(match.group(1)))


def parse_amount(value: Cell) -> Decimal:
    """'1250', '1,250.00', '£1,250.00', 'GBP 1250.5' or a number cell: a positive amount, two decimals."""
    if isinstance(value, bool):
        raise RowRefused("amount", f"amount {value!r} is not a number")
    if isinstance(value, int | float | Decimal):
        amount = Decimal(str(value))
    else:
        text = re.sub(r"^[A-Za-z]{3}\s*|\s*[A-Za-z]{3}$|[£$€¥\s]", "", cell_text(value) or "")
        if not re.fullmatch(r"\d{1,3}(,\d{3})*(\.\d+)?|\d+(\.\d+)?", text):
            raise RowRefused("amount", f"amount {value!r} is not an amount (e.g. 1250.00; no decimal commas)")
        amount = Decimal(text.replace(",", ""))
    try:
        if amount <= 0:
            raise RowRefused("amount", f"amount {value!r} must be greater than zero")
        if amount != amount.quantize(Decimal("0.01")):
            raise RowRefused("amount", f"amount {value!r} has more than two decimal places")
        return amount.quantize(Decimal("0.01"))
    except InvalidOperation:
        raise RowRefused("amount", f"amount {value!r} is not an amount") from None


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
