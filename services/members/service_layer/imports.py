"""Import of a chapter's history: a roster file and a slips file, each row decided by the same
aggregates (and, for the roster, the same add-member handler) as live slips.

- Members are matched by e-mail or exact name (case and surrounding spaces aside); an unknown or
  ambiguous member refuses that row with its row number, the value and why. No member is ever created
  by a slip row.
- Every row has a stable identity: a hash of the chapter, the row's normalised content and its
  occurrence index among identical rows of the file. Slip ids (and so their streams) derive from it,
  so a re-import finds the streams already there and records nothing twice; a concurrent second import
  of the same rows fails the append's expected version (0) and is retried against the fresh state.
- Events carry `{"imported": true, "import_row": <identity>, "import_job": <job>, "imported_by": ...}`
  in their metadata; `recorded_by` is the member the slip is from, as when they record it themselves.
- Slip rows are recorded in batches: one transaction per batch, one multi-stream append, then the same
  projections `UnitOfWork.record` runs. A refused row never stops the others.
- A dry run decides every row exactly the same way (roster members joined in memory only) and writes
  nothing at all.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import asyncpg
from pydantic import ValidationError

from services.members.adapters import prospect_keys
from services.members.adapters.projections import project
from services.members.adapters.slip_files import Cell, Sheet, SheetRow
from services.members.domain.chapter import Chapter, Member
from services.members.domain.closed_business import ClosedBusiness
from services.members.domain.errors import DomainError, InvalidField
from services.members.domain.meetings import Visitor, one_to_one_id, record_ceu, record_one_to_one
from services.members.domain.referral import Referral
from services.members.service_layer import chapters as chapter_use_cases
from services.members.service_layer.commands import AddMember, Prospect
from services.members.service_layer.slips import closed_business_stream, referral_stream
from services.members.service_layer.unit_of_work import Clock, UnitOfWork, utc_now
from shared.auth import Principal
from shared.contracts.members import (
    BusinessKind,
    MeetingMode,
    ReferralType,
    SealedData,
)
from shared.event_store import Append, ConcurrencyError, EventStore, NewEvent
from shared.events import DomainEvent

SlipKind = Literal["referral", "closed-business", "one-to-one", "ceu", "visitor"]
RowStatus = Literal["recorded", "would record", "already imported", "refused"]
Progress = Callable[[int, int], Awaitable[None] | None]

BATCH_SIZE = 500
UNNAMED_PROSPECT = "(not in the imported file)"

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


# --- results --------------------------------------------------------------------------------------

@dataclass
class RowResult:
    file: Literal["roster", "slips"]
    row: int
    row_id: str
    status: RowStatus
    kind: str | None = None
    field: str | None = None
    message: str | None = None
    recorded: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass
class ImportReport:
    chapter_id: str
    dry_run: bool
    unknown_columns: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    rows: list[RowResult] = dataclasses.field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for r in self.rows:
            out.setdefault(r.file, Counter())[r.status] += 1
        return {k: dict(v) for k, v in out.items()}

    def recorded_kinds(self) -> dict[str, int]:
        return dict(Counter(r.kind or "" for r in self.rows
                            if r.file == "slips" and r.status in ("recorded", "would record")))

    def as_dict(self, rows: Literal["all", "problems", "none"] = "all") -> dict[str, Any]:
        chosen = [] if rows == "none" else [r for r in self.rows if rows == "all" or r.status == "refused"]
        return {"chapter_id": self.chapter_id, "dry_run": self.dry_run, "unknown_columns": self.unknown_columns,
                "counts": self.counts(), "slips_by_kind": self.recorded_kinds(),
                "rows": [{k: v for k, v in asdict(r).items() if v not in (None, {})} for r in chosen]}


# --- cell values ----------------------------------------------------------------------------------

def _key(value: Cell) -> str:
    return "".join(ch for ch in str(value).casefold() if ch.isalnum())


def _text(value: Cell) -> str | None:
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
    text = (_text(value) or "")
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
        text = re.sub(r"^[A-Za-z]{3}\s*|\s*[A-Za-z]{3}$|[£$€¥\s]", "", _text(value) or "")
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


def _choice(value: Cell, table: dict[str, Any], field_name: str, what: str) -> Any:
    found = table.get(_key(value))
    if found is None:
        accepted = ", ".join(sorted(set(table.values())))
        raise RowRefused(field_name, f"{what} {value!r} is not one of: {accepted}")
    return found


def _int(value: Cell, field_name: str, low: int, high: int) -> int:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RowRefused(field_name, f"{field_name} {value!r} is not a whole number") from None
    if number != number.to_integral_value() or not low <= number <= high:
        raise RowRefused(field_name, f"{field_name} {value!r} must be a whole number from {low} to {high}")
    return int(number)


def _required(values: dict[str, Cell], field_name: str, kind: str) -> Cell:
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


def row_identities(chapter_id: str, file: str, rows: list[SheetRow]) -> list[str]:
    """hash(chapter, normalised content, occurrence index among identical rows): stable across exports."""
    seen: Counter[str] = Counter()
    out = []
    for row in rows:
        content = "\x1e".join(f"{k}={_canonical(k, v)}" for k, v in sorted(row.values.items()) if v is not None)
        occurrence = seen[content]
        seen[content] += 1
        digest = hashlib.sha256(f"{chapter_id}\x1f{file}\x1f{content}\x1f{occurrence}".encode()).hexdigest()
        out.append(digest[:24])
    return out


# --- members --------------------------------------------------------------------------------------

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
        text = _text(value)
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


# --- the import -----------------------------------------------------------------------------------

@dataclass
class ImportContext:
    pool: asyncpg.Pool
    principal: Principal
    chapter_id: str
    job_id: str
    dry_run: bool = False
    clock: Clock = utc_now
    token_secret: str = ""
    batch_size: int = BATCH_SIZE
    on_progress: Progress | None = None

    @property
    def store(self) -> EventStore:
        return EventStore(self.pool)

    def metadata(self, row_id: str) -> dict[str, Any]:
        return {"imported": True, "import_row": row_id, "import_job": self.job_id,
                "imported_by": self.principal.member_id or self.principal.role}


async def _progress(ctx: ImportContext, done: int, total: int) -> None:
    if ctx.on_progress is not None:
        result = ctx.on_progress(done, total)
        if result is not None:
            await result


async def _load_chapter(ctx: ImportContext, conn: asyncpg.Connection) -> tuple[UnitOfWork, Chapter]:
    uow = UnitOfWork(conn, ctx.store, ctx.principal, ctx.clock, ctx.token_secret)
    chapter = await uow.chapter(ctx.chapter_id)
    return uow, chapter


async def import_history(ctx: ImportContext, *, roster: Sheet | None, slips: Sheet | None) -> ImportReport:
    """Roster first (members join through the add-member handler), then the slips in batches."""
    report = ImportReport(ctx.chapter_id, ctx.dry_run)
    async with ctx.pool.acquire() as conn:
        uow, chapter = await _load_chapter(ctx, conn)
        uow.require_leader(chapter)  # leaders (or the administrator) import a chapter's history
    total = (len(roster.rows) if roster else 0) + (len(slips.rows) if slips else 0)
    joined_in_memory: list[DomainEvent] = []
    if roster is not None:
        report.unknown_columns["roster"] = roster.unknown_columns
        await _import_roster(ctx, roster, report, joined_in_memory, total)
    if slips is not None:
        report.unknown_columns["slips"] = slips.unknown_columns
        await _import_slips(ctx, slips, report, joined_in_memory, total)
    await _progress(ctx, total, total)
    return report


async def _import_roster(ctx: ImportContext, sheet: Sheet, report: ImportReport,
                         joined_in_memory: list[DomainEvent], total: int) -> None:
    ids = row_identities(ctx.chapter_id, "roster", sheet.rows)
    for done, (row, row_id) in enumerate(zip(sheet.rows, ids, strict=True)):
        result = RowResult("roster", row.number, f"member-{row_id}", "refused", kind="member")
        report.rows.append(result)
        try:
            cmd = _add_member_command(row)
            await _add_member(ctx, cmd, result, joined_in_memory)
        except RowRefused as exc:
            result.field, result.message = exc.field, f"row {row.number}: {exc.message}"
        except DomainError as exc:
            result.field = exc.field if isinstance(exc, InvalidField) else None
            result.message = f"row {row.number}: {exc.message}"
        if done % 50 == 0:
            await _progress(ctx, done, total)


def _add_member_command(row: SheetRow) -> AddMember:
    v = row.values
    if v.get("joined_on") is None:
        raise RowRefused("joined_on", "the joined date is missing (history needs it: slips before it are refused)")
    joined_on = parse_date(v["joined_on"], "joined_on")
    try:
        return AddMember(name=_text(v.get("name")) or "", business=_text(v.get("business")) or "",
                         category=_text(v.get("category")) or "", email=(_text(v.get("email")) or "").lower(),
                         phone=_text(v.get("phone")), joined_on=joined_on)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "row"
        raise RowRefused(name, f"{name} {v.get(name)!r}: {first['msg']}") from None


async def _add_member(ctx: ImportContext, cmd: AddMember, result: RowResult,
                      joined_in_memory: list[DomainEvent]) -> None:
    async with ctx.pool.acquire() as conn, conn.transaction():
        uow, chapter = await _load_chapter(ctx, conn)
        for event in joined_in_memory:
            chapter.apply(event)
        for member in chapter.members.values():
            if member.email.casefold() == cmd.email.casefold():  # the e-mail is who they are
                result.status = "already imported"
                result.message = f"already a member ({member.member_id}, {member.name} <{member.email}>)"
                result.recorded = {"member_id": member.member_id}
                return
        if ctx.dry_run:
            today = uow.today(chapter)
            member_id = f"m-dry-run-{len(joined_in_memory) + 1}"
            assert cmd.joined_on is not None
            joined_in_memory.append(chapter.join(member_id, name=cmd.name, business=cmd.business,
                                                 category=cmd.category, email=cmd.email, phone=cmd.phone,
                                                 joined_on=cmd.joined_on, today=today))
            result.status = "would record"
            result.recorded = {"name": cmd.name, "joined_on": cmd.joined_on.isoformat()}
            return
        uow.metadata = ctx.metadata(result.row_id)
        try:
            body = await chapter_use_cases.add_member(uow, ctx.chapter_id, cmd)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "members_one_per_category":
                raise DomainError(f"category '{cmd.category}' is already held by an active member") from None
            raise
        result.status = "recorded"
        result.recorded = {"member_id": body["member_id"], "name": body["name"],
                           "joined_on": str(body["joined_on"])}


@dataclass
class _Decided:
    stream: str
    expected_version: int
    event: DomainEvent
    recorded_by: str
    summary: dict[str, Any]
    sealed: bool = False


async def _import_slips(ctx: ImportContext, sheet: Sheet, report: ImportReport,
                        joined_in_memory: list[DomainEvent], total: int) -> None:
    ids = row_identities(ctx.chapter_id, "slips", sheet.rows)
    rows = list(zip(sheet.rows, ids, strict=True))
    offset = total - len(rows)
    seen_streams: set[str] = set()
    for start in range(0, len(rows), ctx.batch_size):
        batch = rows[start:start + ctx.batch_size]
        for attempt in range(5):
            try:
                results = await _slip_batch(ctx, batch, joined_in_memory, set(seen_streams))
                break
            except ConcurrencyError:  # another import (or a live slip) took one of these streams: decide again
                if attempt == 4:
                    raise
        for result, stream in results:
            if stream is not None:
                seen_streams.add(stream)
            report.rows.append(result)
        await _progress(ctx, offset + start + len(batch), total)


async def _slip_batch(ctx: ImportContext, batch: list[tuple[SheetRow, str]], joined_in_memory: list[DomainEvent],
                      seen_streams: set[str]) -> list[tuple[RowResult, str | None]]:
    async with ctx.pool.acquire() as conn, conn.transaction():
        uow, chapter = await _load_chapter(ctx, conn)
        for event in joined_in_memory:
            chapter.apply(event)
        members = MemberIndex(list(chapter.members.values()))
        today = uow.today(chapter)
        streams = {_stream_for(ctx.chapter_id, row, row_id, members) for row, row_id in batch} - {None}
        existing = {r["stream_id"] for r in await conn.fetch(
            "SELECT DISTINCT stream_id FROM events WHERE stream_id = ANY($1::text[])", list(streams))}
        existing |= seen_streams
        out: list[tuple[RowResult, str | None]] = []
        decided: list[tuple[RowResult, _Decided]] = []
        for row, row_id in batch:
            result = RowResult("slips", row.number, f"slip-{row_id}", "refused")
            out.append((result, None))
            try:
                kind: SlipKind = _choice(_required(row.values, "slip_type", "slip"), SLIP_KINDS, "slip_type",
                                         "slip type")
                result.kind = kind
                stream = _stream_for(ctx.chapter_id, row, row_id, members)
                if stream in existing:
                    result.status = "already imported"
                    result.message = f"row {row.number}: recorded before ({stream})"
                    continue
                slip = await _decide(ctx, conn, chapter, members, kind, row, row_id, today)
            except RowRefused as exc:
                result.field, result.message = exc.field, f"row {row.number}: {exc.message}"
                continue
            except DomainError as exc:
                result.field = exc.field if isinstance(exc, InvalidField) else None
                result.message = f"row {row.number}: {exc.message}"
                continue
            existing.add(slip.stream)
            out[-1] = (result, slip.stream)
            result.status = "would record" if ctx.dry_run else "recorded"
            result.recorded = slip.summary
            decided.append((result, slip))
        if decided and not ctx.dry_run:
            appends = [Append(s.stream, s.expected_version,
                              [NewEvent.of(s.event, ctx.chapter_id, recorded_by=s.recorded_by,
                                           **ctx.metadata(r.row_id))]) for r, s in decided]
            recorded = await ctx.store.append_all(appends, conn=conn)
            await project(conn, recorded)
        return out


def _stream_for(chapter_id: str, row: SheetRow, row_id: str, members: MemberIndex) -> str | None:
    """The stream a row's slip goes to, derived from its identity (one-to-ones: from the meeting)."""
    kind = SLIP_KINDS.get(_key(row.values.get("slip_type") or ""))
    if kind == "referral":
        return referral_stream(f"r-i{row_id}")
    if kind == "closed-business":
        return closed_business_stream(f"cb-i{row_id}")
    if kind == "ceu":
        return f"ceu-ceu-i{row_id}"
    if kind == "visitor":
        return f"visitor-v-i{row_id}"
    if kind == "one-to-one":
        try:
            a = members.find(row.values.get("from"), "from")
            b = members.find(row.values.get("to"), "to")
            return f"one-to-one-{one_to_one_id(chapter_id, a, b, parse_date(row.values.get('date')))}"
        except RowRefused:
            return None
    return None


async def _decide(ctx: ImportContext, conn: asyncpg.Connection, chapter: Chapter, members: MemberIndex,
                  kind: SlipKind, row: SheetRow, row_id: str, today: date) -> _Decided:
    v = row.values
    occurred_on = parse_date(_required(v, "date", kind))
    author = members.find(v.get("from"), "from")
    if kind == "referral":
        receiver = members.find(v.get("to"), "to")
        given_type: ReferralType = _choice(_required(v, "referral_type", kind), REFERRAL_TYPES,
                                           "referral_type", "referral type")
        temperature = _int(_required(v, "temperature", kind), "temperature", 1, 5)
        referral_id = f"r-i{row_id}"
        prospect = _prospect(v)
        if ctx.dry_run:
            sealed = SealedData(key_id="dry-run", nonce="", ciphertext="")
        else:
            sealed = await prospect_keys.seal(conn, referral_id, prospect)
        try:
            given = Referral.give(chapter, referral_id, giver_id=author, receiver_id=receiver,
                                  referral_type=given_type, temperature=temperature, prospect=sealed,
                                  occurred_on=occurred_on, today=today)
        except DomainError:
            if not ctx.dry_run:
                await prospect_keys.erase_key(conn, sealed.key_id)
            raise
        return _Decided(referral_stream(referral_id), 0, given, author,
                        {"referral_id": referral_id, "giver_id": author, "receiver_id": receiver,
                         "occurred_on": occurred_on.isoformat()})
    if kind == "closed-business":
        thanked = members.find(v.get("to"), "to")
        amount = parse_amount(_required(v, "amount", kind))
        business_kind = _choice(_required(v, "business_kind", kind), BUSINESS_KINDS, "business_kind",
                                "new/repeat")
        cb_type: ReferralType = (
            _choice(v["referral_type"], REFERRAL_TYPES, "referral_type", "referral type")
            if v.get("referral_type") is not None else "outside")
        cb_id = f"cb-i{row_id}"
        reported = ClosedBusiness.report(chapter, cb_id, reported_by=author, thanked_member_id=thanked,
                                         amount=amount, business_kind=business_kind, referral_type=cb_type,
                                         referral=None, occurred_on=occurred_on, today=today)
        return _Decided(closed_business_stream(cb_id), 0, reported, author,
                        {"closed_business_id": cb_id, "reported_by": author, "thanked_member_id": thanked,
                         "amount": str(amount), "occurred_on": occurred_on.isoformat()})
    if kind == "one-to-one":
        other = members.find(v.get("to"), "to")
        mode: MeetingMode = _choice(v["mode"], MODES, "mode", "mode") if v.get("mode") is not None else "in-person"
        met = record_one_to_one(chapter, reported_by=author, with_member_id=other, mode=mode,
                                occurred_on=occurred_on, today=today)
        return _Decided(f"one-to-one-{met.one_to_one_id}", 0, met, author,
                        {"one_to_one_id": met.one_to_one_id, "member_ids": list(met.member_ids),
                         "occurred_on": occurred_on.isoformat()})
    if kind == "ceu":
        credits = _int(v["credits"], "credits", 1, 100) if v.get("credits") is not None else 1
        ceu_id = f"ceu-i{row_id}"
        description = _text(v.get("comment"))
        if description is None:
            raise RowRefused("comment", "a CEU row says what was learned in 'comment'")
        ceu = record_ceu(chapter, ceu_id, member_id=author, description=description, credits=credits,
                         occurred_on=occurred_on, today=today)
        return _Decided(f"ceu-{ceu_id}", 0, ceu, author,
                        {"ceu_id": ceu_id, "member_id": author, "credits": credits,
                         "occurred_on": occurred_on.isoformat()})
    visitor_name = _text(v.get("visitor")) or _text(v.get("to"))
    if visitor_name is None:
        raise RowRefused("visitor", "a visitor row names the visitor ('Visitor' column, or 'To')")
    visitor_id = f"v-i{row_id}"
    invited = Visitor.invite(chapter, visitor_id, invited_by=author, visitor_name=visitor_name,
                             business=_text(v.get("visitor_business")), occurred_on=occurred_on, today=today)
    return _Decided(f"visitor-{visitor_id}", 0, invited, author,
                    {"visitor_id": visitor_id, "invited_by": author, "occurred_on": occurred_on.isoformat()})


def _prospect(v: dict[str, Cell]) -> dict[str, Any]:
    try:
        prospect = Prospect(name=_text(v.get("prospect")) or UNNAMED_PROSPECT, phone=_text(v.get("prospect_phone")),
                            email=_text(v.get("prospect_email")), company=_text(v.get("prospect_company")),
                            notes=_text(v.get("comment")))
    except ValidationError as exc:
        first = exc.errors()[0]
        name = f"prospect_{first['loc'][0]}" if first["loc"] and first["loc"][0] != "name" else "prospect"
        raise RowRefused(name, f"{name}: {first['msg']}") from None
    return prospect.model_dump()

