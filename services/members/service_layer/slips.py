"""Use cases of the slips a member records: referrals, closed business, one-to-ones and CEUs."""

from __future__ import annotations

from services.members.adapters import prospect_keys
from services.members.domain.closed_business import ClosedBusiness
from services.members.domain.errors import Forbidden, InvalidField, NotFound
from services.members.domain.meetings import one_to_one_id, record_ceu, record_one_to_one
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
from services.members.service_layer.unit_of_work import Body, UnitOfWork


def referral_stream(referral_id: str) -> str:
    return f"referral-{referral_id}"


def closed_business_stream(closed_business_id: str) -> str:
    return f"closed-business-{closed_business_id}"


async def _referral(uow: UnitOfWork, chapter_id: str, referral_id: str) -> Referral:
    referral = Referral.load(referral_id, await uow.history(referral_stream(referral_id)))
    if referral.given is None or referral.given.chapter_id != chapter_id:
        raise NotFound(f"no referral {referral_id} in this chapter")
    return referral


async def give_referral(uow: UnitOfWork, chapter_id: str, cmd: GiveReferral) -> Body:
    chapter = await uow.chapter(chapter_id)
    giver_id = uow.require_member(chapter)
    today = uow.today(chapter)
    referral_id = new_id("r")
    sealed = await prospect_keys.seal(uow.conn, referral_id, cmd.prospect.model_dump())
    event = Referral.give(chapter, referral_id, giver_id=giver_id, receiver_id=cmd.receiver_id,
                          referral_type=cmd.referral_type, temperature=cmd.temperature, prospect=sealed,
                          occurred_on=cmd.occurred_on or today, today=today)
    await uow.record(referral_stream(referral_id), 0, [event], chapter_id)
    return {"referral_id": referral_id, "status": "given", "giver_id": giver_id, "receiver_id": cmd.receiver_id,
            "occurred_on": event.occurred_on}


async def change_status(uow: UnitOfWork, chapter_id: str, referral_id: str, cmd: ChangeStatus) -> Body:
    chapter = await uow.chapter(chapter_id)
    referral = await _referral(uow, chapter_id, referral_id)
    today = uow.today(chapter)
    event = referral.change_status(uow.principal.member_id, cmd.status, reason=cmd.reason,
                                   occurred_on=cmd.occurred_on or today, today=today)
    await uow.record(referral_stream(referral_id), referral.version, [event], chapter_id)
    return {"referral_id": referral_id, "from_status": event.from_status, "status": event.to_status,
            "occurred_on": event.occurred_on}


async def erase_prospect(uow: UnitOfWork, chapter_id: str, referral_id: str) -> Body:
    """Delete the prospect's data key (leaders, or the referral's giver): unreadable everywhere from now."""
    chapter = await uow.chapter(chapter_id)
    referral = await _referral(uow, chapter_id, referral_id)
    if uow.principal.member_id != referral.giver_id:
        uow.require_leader(chapter)
    event = referral.erase_prospect()
    if event is not None:
        await prospect_keys.erase_key(uow.conn, event.key_id)
        await uow.record(referral_stream(referral_id), referral.version, [event], chapter_id)
    else:
        uow.last_position = await uow.stream_position(referral_stream(referral_id))
    return {"referral_id": referral_id, "erased": True}


async def report_closed_business(uow: UnitOfWork, chapter_id: str, cmd: ReportClosedBusiness) -> Body:
    chapter = await uow.chapter(chapter_id)
    reporter = uow.require_member(chapter)
    today = uow.today(chapter)
    referral = None
    if cmd.referral_id is not None:
        referral = Referral.load(cmd.referral_id, await uow.history(referral_stream(cmd.referral_id)))
        if referral.given is None or referral.given.chapter_id != chapter_id:
            raise InvalidField("referral_id", f"no referral {cmd.referral_id} in this chapter")
    closed_business_id = new_id("cb")
    event = ClosedBusiness.report(chapter, closed_business_id, reported_by=reporter,
                                  thanked_member_id=cmd.thanked_member_id, amount=cmd.amount,
                                  business_kind=cmd.business_kind, referral_type=cmd.referral_type,
                                  referral=referral, occurred_on=cmd.occurred_on or today, today=today)
    await uow.record(closed_business_stream(closed_business_id), 0, [event], chapter_id)
    return {"closed_business_id": closed_business_id, "verdict": "reported",
            **event.model_dump(mode="json", exclude={"chapter_id", "closed_business_id"})}


async def judge_closed_business(uow: UnitOfWork, chapter_id: str, closed_business_id: str, cmd: Verdict) -> Body:
    """The thanked member confirms the business, or disputes it with a reason."""
    chapter = await uow.chapter(chapter_id)
    slip = ClosedBusiness.load(closed_business_id, await uow.history(closed_business_stream(closed_business_id)))
    if slip.reported is None or slip.reported.chapter_id != chapter_id:
        raise NotFound(f"no closed business {closed_business_id} in this chapter")
    today = uow.today(chapter)
    occurred_on = cmd.occurred_on or today
    if cmd.verdict == "confirmed":
        event = slip.confirm(uow.principal.member_id, occurred_on=occurred_on, today=today)
        await uow.record(closed_business_stream(closed_business_id), slip.version, [event], chapter_id)
    else:
        if not cmd.reason:
            if uow.principal.member_id != slip.reported.thanked_member_id:
                raise Forbidden("only the thanked member confirms or disputes closed business")
            raise InvalidField("reason", "a dispute needs a reason")
        disputed = slip.dispute(uow.principal.member_id, reason=cmd.reason, occurred_on=occurred_on, today=today)
        await uow.record(closed_business_stream(closed_business_id), slip.version, [disputed], chapter_id)
    return {"closed_business_id": closed_business_id, "verdict": cmd.verdict}


async def one_to_one(uow: UnitOfWork, chapter_id: str, cmd: RecordOneToOne) -> Body:
    """Either member reports it; the second report of the same meeting records nothing new."""
    chapter = await uow.chapter(chapter_id)
    reporter = uow.require_member(chapter)
    today = uow.today(chapter)
    occurred_on = cmd.occurred_on or today
    meeting_id = one_to_one_id(chapter_id, reporter, cmd.with_member_id, occurred_on)
    stream = f"one-to-one-{meeting_id}"
    event = record_one_to_one(chapter, reported_by=reporter, with_member_id=cmd.with_member_id, mode=cmd.mode,
                              occurred_on=occurred_on, today=today)
    already = await uow.history(stream)
    if already:
        uow.last_position = await uow.stream_position(stream)
    else:
        await uow.record(stream, 0, [event], chapter_id)
    return {"one_to_one_id": meeting_id, "member_ids": list(event.member_ids), "occurred_on": occurred_on,
            "already_recorded": bool(already)}


async def ceu(uow: UnitOfWork, chapter_id: str, cmd: RecordCeu) -> Body:
    chapter = await uow.chapter(chapter_id)
    member_id = uow.require_member(chapter)
    today = uow.today(chapter)
    ceu_id = new_id("ceu")
    event = record_ceu(chapter, ceu_id, member_id=member_id, description=cmd.description, credits=cmd.credits,
                       occurred_on=cmd.occurred_on or today, today=today)
    await uow.record(f"ceu-{ceu_id}", 0, [event], chapter_id)
    return {"ceu_id": ceu_id, "member_id": member_id, "credits": cmd.credits, "occurred_on": event.occurred_on}
