"""Import of a chapter's history: a roster file and a slips file, each row decided by the same
aggregates (and, for the roster, the same add-member handler) as live slips.

- Members are matched by e-mail or exact name (case and surrounding spaces aside); an unknown or
  ambiguous member refuses that row with its row number, the value and why. No member is ever created
  by a slip row.
- Every row has a stable identity: an HMAC, under the chapter's secret, of the chapter, the row's normalised
  content and its occurrence index among identical rows of the file. Slip ids (and so their streams) derive from it,
  so a re-import finds the streams already there and records nothing twice; a concurrent second import
  of the same rows fails the append's expected version (0) and is retried against the fresh state. Rows
  imported before chapters had secrets are recognised by their old (unkeyed) identity.
- Events carry `{"imported": true, "import_row": <identity>, "import_job": <job>, "imported_by": ...}`
  in their metadata; `recorded_by` is the member the slip is from, as when they record it themselves.
- Slip rows are recorded in batches: one transaction per batch, one multi-stream append, then the same
  projections `UnitOfWork.record` runs. A refused row never stops the others.
- A dry run decides every row exactly the same way (roster members joined in memory only) and writes
  nothing at all.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import asyncpg

from services.members.adapters import chapter_secrets
from services.members.adapters.import_batch import ImportBatch
from services.members.adapters.keyring import keyring_of
from services.members.adapters.postgres import PostgresUnitOfWork, Streams
from services.members.adapters.slip_files import Sheet, SheetRow
from services.members.domain.chapter import Chapter
from services.members.domain.closed_business import ClosedBusiness
from services.members.domain.errors import DomainError, InvalidField
from services.members.domain.meetings import RecordedSlip, Visitor
from services.members.domain.referral import Referral
from services.members.service_layer import chapters as chapter_use_cases
from services.members.service_layer.commands import (
    AddMember,
    GiveReferral,
    InviteVisitor,
    RecordCeu,
    RecordOneToOne,
    ReportClosedBusiness,
)
from services.members.service_layer.imports.cells import (
    RowRefused,
    SlipKind,
    row_identities,
    unkeyed_row_identities,
)
from services.members.service_layer.imports.report import ImportReport, RowResult
from services.members.service_layer.imports.rows import (
    MemberIndex,
    SlipRow,
    add_member_command,
    slip_id,
    slip_kind,
    slip_row,
)
from services.members.service_layer.imports.summary import history_imported, record_history_imported
from services.members.service_layer.meetings import record_visitor
from services.members.service_layer.slips import (
    record_ceu,
    record_closed_business,
    record_one_to_one,
    record_referral,
)
from shared.auth import Principal
from shared.clock import Clock, utc_now
from shared.event_store import ConcurrencyError, EventStore
from shared.events import DomainEvent

Progress = Callable[[int, int], Awaitable[None] | None]
BATCH_SIZE = 500


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


def _refused(result: RowResult, row: SheetRow, exc: RowRefused | DomainError) -> None:
    if isinstance(exc, RowRefused):
        result.field = exc.field
    else:
        result.field = exc.field if isinstance(exc, InvalidField) else None
    result.message = f"row {row.number}: {exc.message}"


async def _chapter(uow: PostgresUnitOfWork, ctx: ImportContext, joined_in_memory: list[DomainEvent]) -> Chapter:
    """The chapter with the members a dry run's roster joined (in memory only)."""
    chapter = await uow.chapter(ctx.chapter_id)
    for event in joined_in_memory:
        chapter.apply(event)
    return chapter


async def import_history(ctx: ImportContext, *, roster: Sheet | None, slips: Sheet | None) -> ImportReport:
    """Roster first (members join through the add-member handler), then the slips in batches."""
    report = ImportReport(ctx.chapter_id, ctx.dry_run)
    async with ctx.pool.acquire() as conn:
        uow = PostgresUnitOfWork(conn, ctx.store, ctx.principal, ctx.clock, ctx.token_secret)
        uow.require_leader(await uow.chapter(ctx.chapter_id))  # leaders (or the administrator) import history
    secret = await chapter_secrets.for_import(ctx.pool, keyring_of(ctx.pool), ctx.chapter_id, dry_run=ctx.dry_run)
    total = (len(roster.rows) if roster else 0) + (len(slips.rows) if slips else 0)
    joined_in_memory: list[DomainEvent] = []
    if roster is not None:
        report.unknown_columns["roster"] = roster.unknown_columns
        await _import_roster(ctx, roster, report, joined_in_memory, total, secret)
    if slips is not None:
        report.unknown_columns["slips"] = slips.unknown_columns
        await _import_slips(ctx, slips, report, joined_in_memory, total, secret)
        news = history_imported(report, ctx.job_id, ctx.clock().date())
        if news is not None:
            with contextlib.suppress(ConcurrencyError):  # this job's news is recorded already
                await record_history_imported(ctx.store, news, ctx.principal.member_id or ctx.principal.role)
    await _progress(ctx, total, total)
    return report


async def _import_roster(ctx: ImportContext, sheet: Sheet, report: ImportReport,
                         joined_in_memory: list[DomainEvent], total: int, secret: bytes) -> None:
    ids = row_identities(ctx.chapter_id, "roster", sheet.rows, secret=secret)
    for done, (row, row_id) in enumerate(zip(sheet.rows, ids, strict=True)):
        result = RowResult("roster", row.number, f"member-{row_id}", "refused", kind="member")
        report.rows.append(result)
        try:
            await _add_member(ctx, add_member_command(row), result, joined_in_memory)
        except (RowRefused, DomainError) as exc:
            _refused(result, row, exc)
        if done % 50 == 0:
            await _progress(ctx, done, total)


async def _add_member(ctx: ImportContext, cmd: AddMember, result: RowResult,
                      joined_in_memory: list[DomainEvent]) -> None:
    async with ctx.pool.acquire() as conn, conn.transaction():
        uow = PostgresUnitOfWork(conn, ctx.store, ctx.principal, ctx.clock, ctx.token_secret)
        chapter = await _chapter(uow, ctx, joined_in_memory)
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
            added = await chapter_use_cases.add_member(cmd, uow, chapter_id=ctx.chapter_id)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "members_one_per_category":
                raise DomainError(f"category '{cmd.category}' is already held by an active member") from None
            raise
        result.status = "recorded"
        result.recorded = {"member_id": added.member_id, "name": added.name,
                           "joined_on": str(added.joined_on)}


async def _import_slips(ctx: ImportContext, sheet: Sheet, report: ImportReport,
                        joined_in_memory: list[DomainEvent], total: int, secret: bytes) -> None:
    ids = row_identities(ctx.chapter_id, "slips", sheet.rows, secret=secret)
    rows = list(zip(sheet.rows, ids, unkeyed_row_identities(ctx.chapter_id, "slips", sheet.rows), strict=True))
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


def _stream(uow: PostgresUnitOfWork, kind: SlipKind | None, slip: str | None) -> str | None:
    repositories: dict[SlipKind, Streams[Any]] = {
        "referral": uow.referrals, "closed-business": uow.closed_business, "one-to-one": uow.one_to_ones,
        "ceu": uow.ceus, "visitor": uow.visitors}
    return None if kind is None or slip is None else repositories[kind].stream(slip)


async def _slip_batch(ctx: ImportContext, batch: list[tuple[SheetRow, str, str]], joined_in_memory: list[DomainEvent],
                      seen_streams: set[str]) -> list[tuple[RowResult, str | None]]:
    async with ctx.pool.acquire() as conn, conn.transaction():
        uow = ImportBatch(conn, ctx.store, ctx.principal, ctx.clock, ctx.token_secret, dry_run=ctx.dry_run)
        chapter = await _chapter(uow, ctx, joined_in_memory)
        members = MemberIndex(list(chapter.members.values()))
        today = uow.today(chapter)
        decimal_comma = chapter.founded is not None and chapter.founded.language != "en"
        slips = [slip_id(ctx.chapter_id, row, row_id, members) for row, row_id, _ in batch]
        kinds = [_kind_or_none(row) for row, _, _ in batch]
        streams = [_stream(uow, kind, slip) for kind, slip in zip(kinds, slips, strict=True)]
        earlier = [_stream(uow, kind, slip_id(ctx.chapter_id, row, unkeyed, members))
                   for kind, (row, _, unkeyed) in zip(kinds, batch, strict=True)]  # imported before row secrets
        existing = await uow.existing_streams([s for s in streams + earlier if s is not None]) | seen_streams
        out: list[tuple[RowResult, str | None]] = []
        for (row, row_id, _), slip, stream, before in zip(batch, slips, streams, earlier, strict=True):
            result = RowResult("slips", row.number, f"slip-{row_id}", "refused")
            out.append((result, None))
            try:
                result.kind = kind = slip_kind(row)
                if stream in existing or before in existing:
                    result.status = "already imported"
                    result.message = f"row {row.number}: recorded before ({stream if stream in existing else before})"
                    continue
                parsed = slip_row(kind, row, members, decimal_comma=decimal_comma)
                assert slip is not None and stream is not None  # a row that parses has its slip's id
                uow.on_behalf_of, uow.metadata = parsed.author, ctx.metadata(row_id)
                result.recorded = await _record(uow, chapter, kind, slip, parsed, today)
            except (RowRefused, DomainError) as exc:
                _refused(result, row, exc)
                continue
            existing.add(stream)
            out[-1] = (result, stream)
            result.status = "would record" if ctx.dry_run else "recorded"
        await uow.flush()
        return out


def _kind_or_none(row: SheetRow) -> SlipKind | None:
    try:
        return slip_kind(row)
    except RowRefused:
        return None


async def _record(uow: ImportBatch, chapter: Chapter, kind: SlipKind, slip: str, parsed: SlipRow,
                  today: date) -> dict[str, Any]:
    """Decide and record the row through the live slip's own `record_*`; the row's summary for the report."""
    cmd, author = parsed.command, parsed.author
    if kind == "referral":
        given = await record_referral(cast(GiveReferral, cmd), uow, chapter, Referral(slip), giver_id=author,
                                      today=today)
        return {"referral_id": given.referral_id, "giver_id": author, "receiver_id": given.receiver_id,
                "occurred_on": given.occurred_on.isoformat()}
    if kind == "closed-business":
        reported = await record_closed_business(cast(ReportClosedBusiness, cmd), uow, chapter, ClosedBusiness(slip),
                                                reported_by=author, referral=None, today=today)
        return {"closed_business_id": reported.closed_business_id, "reported_by": author,
                "thanked_member_id": reported.thanked_member_id, "amount": str(reported.amount),
                "occurred_on": reported.occurred_on.isoformat()}
    if kind == "one-to-one":
        met = (await record_one_to_one(cast(RecordOneToOne, cmd), uow, chapter, RecordedSlip(slip),
                                       reported_by=author, today=today)).recorded
        return {"one_to_one_id": met.one_to_one_id, "member_ids": list(met.member_ids),
                "occurred_on": met.occurred_on.isoformat()}
    if kind == "ceu":
        ceu = await record_ceu(cast(RecordCeu, cmd), uow, chapter, RecordedSlip(slip), member_id=author, today=today)
        return {"ceu_id": ceu.ceu_id, "member_id": author, "credits": ceu.credits,
                "occurred_on": ceu.occurred_on.isoformat()}
    invited = await record_visitor(cast(InviteVisitor, cmd), uow, chapter, Visitor(slip), invited_by=author,
                                   today=today)
    return {"visitor_id": invited.visitor_id, "invited_by": author, "occurred_on": invited.occurred_on.isoformat()}
