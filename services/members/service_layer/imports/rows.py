"""A history file's rows read as commands: the same commands a member sends live, plus who the row is
from and the slip id its identity gives. Members are matched by e-mail or exact name; an unknown or
ambiguous member refuses the row. Deciding is not done here: the live `record_*` functions do it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from services.members.adapters.slip_files import Cell, SheetRow
from services.members.domain.chapter import Member
from services.members.domain.meetings import one_to_one_id
from services.members.service_layer.commands import (
    AddMember,
    GiveReferral,
    InviteVisitor,
    Prospect,
    RecordCeu,
    RecordOneToOne,
    ReportClosedBusiness,
)
from services.members.service_layer.imports.cells import (
    BUSINESS_KINDS,
    MODES,
    REFERRAL_TYPES,
    SLIP_KINDS,
    RowRefused,
    SlipKind,
    cell_text,
    choice,
    parse_amount,
    parse_date,
    required,
    spelling_key,
    whole_number,
)

UNNAMED_PROSPECT = "(not in the imported file)"


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


class MemberIndex:
    def __init__(self, members: list[Member]) -> None:
        self.by_email: dict[str, list[Member]] = {}
        self.by_name: dict[str, list[Member]] = {}
        for m in members:
            self.by_email.setdefault(m.email.strip().casefold(), []).append(m)
            self.by_name.setdefault(_name_key(m.name), []).append(m)

    def find(self, value: Cell, field_name: str) -> str:
        text = cell_text(value)
        if text is None:
            raise RowRefused(field_name, f"'{field_name}' is empty: name the member (e-mail or exact name)")
        by_email = "@" in text
        found = self.by_email.get(text.casefold(), []) if by_email else self.by_name.get(_name_key(text), [])
        if not found:
            how = "e-mail" if by_email else "name"
            raise RowRefused(field_name, f"{field_name} {text!r}: no member of this chapter has that {how}"
                                         " (add them through the roster first)")
        if len(found) > 1:
            ids = ", ".join(m.member_id for m in found)
            raise RowRefused(field_name, f"{field_name} {text!r} is ambiguous: {len(found)} members match "
                                         f"({ids}); use their e-mail")
        return found[0].member_id


def _first_error(exc: ValidationError, field_name: str) -> tuple[str, str]:
    first = exc.errors()[0]
    return (str(first["loc"][0]) if first["loc"] else field_name), first["msg"]


def add_member_command(row: SheetRow) -> AddMember:
    v = row.values
    if v.get("joined_on") is None:
        raise RowRefused("joined_on", "the joined date is missing (history needs it: slips before it are refused)")
    joined_on = parse_date(v["joined_on"], "joined_on")
    try:
        return AddMember(name=cell_text(v.get("name")) or "", business=cell_text(v.get("business")) or "",
                         category=cell_text(v.get("category")) or "",
                         email=(cell_text(v.get("email")) or "").lower(), phone=cell_text(v.get("phone")),
                         joined_on=joined_on)
    except ValidationError as exc:
        name, message = _first_error(exc, "row")
        raise RowRefused(name, f"{name} {v.get(name)!r}: {message}") from None


def slip_kind(row: SheetRow) -> SlipKind:
    kind: SlipKind = choice(required(row.values, "slip_type", "slip"), SLIP_KINDS, "slip_type", "slip type")
    return kind


def slip_id(chapter_id: str, row: SheetRow, row_id: str, members: MemberIndex) -> str | None:
    """The id a row's slip gets, derived from its identity (a one-to-one's from the meeting: reported live
    by the other member, it is the same meeting). None when the row cannot have one."""
    kind = SLIP_KINDS.get(spelling_key(row.values.get("slip_type") or ""))
    if kind == "one-to-one":
        try:
            a = members.find(row.values.get("from"), "from")
            b = members.find(row.values.get("to"), "to")
            return one_to_one_id(chapter_id, a, b, parse_date(row.values.get("date")))
        except RowRefused:
            return None
    prefixes: dict[SlipKind | None, str] = {"referral": "r", "closed-business": "cb", "ceu": "ceu", "visitor": "v"}
    prefix = prefixes.get(kind)
    return None if prefix is None else f"{prefix}-i{row_id}"


SlipCommand = GiveReferral | ReportClosedBusiness | RecordOneToOne | RecordCeu | InviteVisitor


@dataclass(frozen=True)
class SlipRow:
    author: str
    """The member the slip is from (they would have recorded it themselves)."""
    command: SlipCommand


def _trusted(model: type[BaseModel], **values: Any) -> BaseModel:
    """The command as the row's parsed cells give it: the cells were checked above (and the domain checks
    the rules), so the live API's field limits are not applied again (an import refuses what it always did)."""
    return model.model_construct(**values)


def slip_row(kind: SlipKind, row: SheetRow, members: MemberIndex, *, decimal_comma: bool = False) -> SlipRow:
    """`decimal_comma`: the chapter writes amounts as 1.234,50 (its language is not English)."""
    v = row.values
    occurred_on: date = parse_date(required(v, "date", kind))
    author = members.find(v.get("from"), "from")
    command: BaseModel
    if kind == "referral":
        receiver = members.find(v.get("to"), "to")
        given_type = choice(required(v, "referral_type", kind), REFERRAL_TYPES, "referral_type", "referral type")
        temperature = whole_number(required(v, "temperature", kind), "temperature", 1, 5)
        command = _trusted(GiveReferral, receiver_id=receiver, referral_type=given_type, temperature=temperature,
                           prospect=_prospect(v), occurred_on=occurred_on)
    elif kind == "closed-business":
        thanked = members.find(v.get("to"), "to")
        amount = parse_amount(required(v, "amount", kind), decimal_comma)
        business_kind = choice(required(v, "business_kind", kind), BUSINESS_KINDS, "business_kind", "new/repeat")
        cb_type = (choice(v["referral_type"], REFERRAL_TYPES, "referral_type", "referral type")
                   if v.get("referral_type") is not None else "outside")
        command = _trusted(ReportClosedBusiness, thanked_member_id=thanked, amount=amount,
                           business_kind=business_kind, referral_type=cb_type, referral_id=None,
                           occurred_on=occurred_on)
    elif kind == "one-to-one":
        other = members.find(v.get("to"), "to")
        mode = choice(v["mode"], MODES, "mode", "mode") if v.get("mode") is not None else "in-person"
        command = _trusted(RecordOneToOne, with_member_id=other, mode=mode, occurred_on=occurred_on)
    elif kind == "ceu":
        credits = whole_number(v["credits"], "credits", 1, 100) if v.get("credits") is not None else 1
        description = cell_text(v.get("comment"))
        if description is None:
            raise RowRefused("comment", "a CEU row says what was learned in 'comment'")
        command = _trusted(RecordCeu, description=description, credits=credits, occurred_on=occurred_on)
    else:
        visitor_name = cell_text(v.get("visitor")) or cell_text(v.get("to"))
        if visitor_name is None:
            raise RowRefused("visitor", "a visitor row names the visitor ('Visitor' column, or 'To')")
        command = _trusted(InviteVisitor, visitor_name=visitor_name, business=cell_text(v.get("visitor_business")),
                           occurred_on=occurred_on)
    assert isinstance(command, SlipCommand)
    return SlipRow(author, command)


def _prospect(v: dict[str, Cell]) -> Prospect:
    try:
        return Prospect(name=cell_text(v.get("prospect")) or UNNAMED_PROSPECT,
                        phone=cell_text(v.get("prospect_phone")), email=cell_text(v.get("prospect_email")),
                        company=cell_text(v.get("prospect_company")), notes=cell_text(v.get("comment")))
    except ValidationError as exc:
        first = exc.errors()[0]
        name = f"prospect_{first['loc'][0]}" if first["loc"] and first["loc"][0] != "name" else "prospect"
        raise RowRefused(name, f"{name}: {first['msg']}") from None
