"""Use cases of the slips a member records: referrals, closed business, one-to-ones and CEUs.

Each slip is decided and recorded by one `record_*` function, whoever keys it in: the live handlers
below (the caller records as themselves) and the history import (a leader keys in a member's rows) both
call it, so an imported row is refused or recorded exactly as the same slip recorded live."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.members.domain import meetings
from services.members.domain.chapter import Chapter
from services.members.domain.closed_business import ClosedBusiness
from services.members.domain.errors import DomainError, Forbidden, InvalidField, NotFound
from services.members.domain.meetings import RecordedSlip, one_to_one_id
from services.members.domain.referral import Referral
from services.members.service_layer.chapters import new_id
from services.members.service_layer.commands import (
    ChangeStatus,
    GiveReferral,
    RecordCeu,
    RecordOneToOne,
    ReportClosedBusiness,
    Verdict,
)
from services.members.service_layer.unit_of_work import UnitOfWork
from shared.contracts.members import (
    CeuRecorded,
    ClosedBusinessConfirmed,
    ClosedBusinessDisputed,
    ClosedBusinessReported,
    OneToOneRecorded,
    ReferralGiven,
    ReferralStatusChanged,
)


@dataclass(frozen=True)
class OneToOneReported:
    recorded: OneToOneRecorded
    already_recorded: bool
    """The other member reported the same meeting first: nothing new was recorded."""


# --- deciding and recording a slip (live and imported) ----------------------------------------------

async def record_referral(cmd: GiveReferral, uow: UnitOfWork, chapter: Chapter, referral: Referral, *,
                          giver_id: str, today: date, recorded_by: str | None = None) -> ReferralGiven:
    sealed = await uow.prospect_keys.seal(referral.referral_id, cmd.prospect.model_dump())
    try:
        event = Referral.give(chapter, referral.referral_id, giver_id=giver_id, receiver_id=cmd.receiver_id,
                              referral_type=cmd.referral_type, temperature=cmd.temperature, prospect=sealed,
                              occurred_on=cmd.occurred_on or today, today=today).model_copy(
                                  update={"recorded_by": recorded_by})
    except DomainError:
        await uow.prospect_keys.erase(sealed.key_id)  # an import commits the batch's other rows: keep no orphan key
        raise
    await uow.referrals.add(referral, [event])
    return event


async def record_closed_business(cmd: ReportClosedBusiness, uow: UnitOfWork, chapter: Chapter,
                                 slip: ClosedBusiness, *, reported_by: str, referral: Referral | None,
                                 today: date, recorded_by: str | None = None) -> ClosedBusinessReported:
    event = ClosedBusiness.report(chapter, slip.closed_business_id, reported_by=reported_by,
                                  thanked_member_id=cmd.thanked_member_id, amount=cmd.amount,
                                  business_kind=cmd.business_kind, referral_type=cmd.referral_type,
                                  referral=referral, occurred_on=cmd.occurred_on or today,
                                  today=today).model_copy(update={"recorded_by": recorded_by})
    await uow.closed_business.add(slip, [event])
    return event


async def record_one_to_one(cmd: RecordOneToOne, uow: UnitOfWork, chapter: Chapter, meeting: RecordedSlip, *,
                            reported_by: str, today: date, recorded_by: str | None = None) -> OneToOneReported:
    """Either member reports it; the second report of the same meeting records nothing new."""
    event = meetings.record_one_to_one(chapter, reported_by=reported_by, with_member_id=cmd.with_member_id,
                                       mode=cmd.mode, occurred_on=cmd.occurred_on or today,
                                       today=today).model_copy(update={"recorded_by": recorded_by})
    if meeting.exists:
        await uow.one_to_ones.unchanged(meeting)
        return OneToOneReported(event, already_recorded=True)
    await uow.one_to_ones.add(meeting, [event])
    return OneToOneReported(event, already_recorded=False)


async def record_ceu(cmd: RecordCeu, uow: UnitOfWork, chapter: Chapter, ceu: RecordedSlip, *, member_id: str,
                     today: date, recorded_by: str | None = None) -> CeuRecorded:
    event = meetings.record_ceu(chapter, ceu.aggregate_id, member_id=member_id, description=cmd.description,
                                credits=cmd.credits, occurred_on=cmd.occurred_on or today,
                                today=today).model_copy(update={"recorded_by": recorded_by})
    await uow.ceus.add(ceu, [event])
    return event


# --- the live handlers --------------------------------------------------------------------------------

async def _referral(uow: UnitOfWork, chapter_id: str, referral_id: str) -> Referral:
    referral = await uow.referrals.get(referral_id)
    if not referral.belongs_to(chapter_id):
        raise NotFound(f"no referral {referral_id} in this chapter")
    return referral


async def give_referral(cmd: GiveReferral, uow: UnitOfWork, *, chapter_id: str) -> ReferralGiven:
    chapter, giver_id, recorded_by, today = await uow.as_author(chapter_id, cmd.on_behalf_of)
    return await record_referral(cmd, uow, chapter, Referral(new_id("r")), giver_id=giver_id, today=today,
                                 recorded_by=recorded_by)


async def change_status(cmd: ChangeStatus, uow: UnitOfWork, *, chapter_id: str,
                        referral_id: str) -> ReferralStatusChanged:
    chapter = await uow.chapter(chapter_id)
    referral = await _referral(uow, chapter_id, referral_id)
    today = uow.today(chapter)
    event = referral.change_status(uow.principal.member_id, cmd.status, reason=cmd.reason,
                                   occurred_on=cmd.occurred_on or today, today=today)
    await uow.referrals.add(referral, [event])
    return event


async def erase_prospect(uow: UnitOfWork, *, chapter_id: str, referral_id: str) -> str:
    """Delete the prospect's data key (leaders, or the referral's giver): unreadable everywhere from now.
    Returns the referral's id; erasing twice is no error."""
    chapter = await uow.chapter(chapter_id)
    referral = await _referral(uow, chapter_id, referral_id)
    if uow.principal.member_id != referral.giver_id:
        uow.require_leader(chapter)
    event = referral.erase_prospect()
    if event is None:
        await uow.referrals.unchanged(referral)
        return referral_id
    await uow.prospect_keys.erase(event.key_id)
    await uow.referrals.add(referral, [event])
    return referral_id


async def report_closed_business(cmd: ReportClosedBusiness, uow: UnitOfWork, *,
                                 chapter_id: str) -> ClosedBusinessReported:
    chapter, reporter, recorded_by, today = await uow.as_author(chapter_id, cmd.on_behalf_of)
    referral = None
    if cmd.referral_id is not None:
        referral = await uow.referrals.get(cmd.referral_id)
        if not referral.belongs_to(chapter_id):
            raise InvalidField("referral_id", f"no referral {cmd.referral_id} in this chapter")
    return await record_closed_business(cmd, uow, chapter, ClosedBusiness(new_id("cb")), reported_by=reporter,
                                        referral=referral, today=today, recorded_by=recorded_by)


async def judge_closed_business(cmd: Verdict, uow: UnitOfWork, *, chapter_id: str, closed_business_id: str,
                                ) -> ClosedBusinessConfirmed | ClosedBusinessDisputed:
    """The thanked member confirms the business, or disputes it with a reason."""
    chapter = await uow.chapter(chapter_id)
    slip = await uow.closed_business.get(closed_business_id)
    if slip.reported is None or not slip.belongs_to(chapter_id):
        raise NotFound(f"no closed business {closed_business_id} in this chapter")
    today = uow.today(chapter)
    occurred_on = cmd.occurred_on or today
    event: ClosedBusinessConfirmed | ClosedBusinessDisputed
    if cmd.verdict == "confirmed":
        event = slip.confirm(uow.principal.member_id, occurred_on=occurred_on, today=today)
    else:
        if not cmd.reason:
            if uow.principal.member_id != slip.reported.thanked_member_id:
                raise Forbidden("only the thanked member confirms or disputes closed business")
            raise InvalidField("reason", "a dispute needs a reason")
        event = slip.dispute(uow.principal.member_id, reason=cmd.reason, occurred_on=occurred_on, today=today)
    await uow.closed_business.add(slip, [event])
    return event


async def one_to_one(cmd: RecordOneToOne, uow: UnitOfWork, *, chapter_id: str) -> OneToOneReported:
    chapter, reporter, recorded_by, today = await uow.as_author(chapter_id, cmd.on_behalf_of)
    meeting_id = one_to_one_id(chapter_id, reporter, cmd.with_member_id, cmd.occurred_on or today)
    return await record_one_to_one(cmd, uow, chapter, await uow.one_to_ones.get(meeting_id), reported_by=reporter,
                                   today=today, recorded_by=recorded_by)


async def ceu(cmd: RecordCeu, uow: UnitOfWork, *, chapter_id: str) -> CeuRecorded:
    chapter, member_id, recorded_by, today = await uow.as_author(chapter_id, cmd.on_behalf_of)
    return await record_ceu(cmd, uow, chapter, RecordedSlip(new_id("ceu")), member_id=member_id, today=today,
                            recorded_by=recorded_by)
