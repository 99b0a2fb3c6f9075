"""What the API answers for each use case's result: the JSON bodies of the write routes.

Dates stay `date` objects here; `execute` turns the body into plain JSON (ISO dates) once."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.members.domain.chapter import Member
from services.members.service_layer.slips import OneToOneReported
from shared.contracts import members as contract

Body = dict[str, Any]


def chapter_founded(e: contract.ChapterFounded) -> Body:
    return {"chapter_id": e.chapter_id, **e.model_dump(mode="json", exclude={"chapter_id", "chapter_name"}),
            "name": e.chapter_name}


def member(m: Member) -> Body:
    return {"member_id": m.member_id, "name": m.name, "business": m.business, "category": m.category,
            "email": m.email, "role": m.role, "joined_on": m.joined_on, "renewed_until": m.renewed_until,
            "left_on": m.left_on, "active": m.active}


def token_revoked(member_id: str, token_id: str) -> Body:
    return {"member_id": member_id, "token_id": token_id, "revoked": True}


def referral_given(e: contract.ReferralGiven) -> Body:
    return {"referral_id": e.referral_id, "status": "given", "giver_id": e.giver_id, "receiver_id": e.receiver_id,
            "occurred_on": e.occurred_on, "recorded_by": e.recorded_by}


def status_changed(e: contract.ReferralStatusChanged) -> Body:
    return {"referral_id": e.referral_id, "from_status": e.from_status, "status": e.to_status,
            "occurred_on": e.occurred_on}


def prospect_erased(referral_id: str) -> Body:
    return {"referral_id": referral_id, "erased": True}


def closed_business_reported(e: contract.ClosedBusinessReported) -> Body:
    return {"closed_business_id": e.closed_business_id, "verdict": "reported",
            **e.model_dump(mode="json", exclude={"chapter_id", "closed_business_id"})}


def verdict(e: contract.ClosedBusinessConfirmed | contract.ClosedBusinessDisputed) -> Body:
    return {"closed_business_id": e.closed_business_id,
            "verdict": "confirmed" if isinstance(e, contract.ClosedBusinessConfirmed) else "disputed"}


def one_to_one(r: OneToOneReported) -> Body:
    return {"one_to_one_id": r.recorded.one_to_one_id, "member_ids": list(r.recorded.member_ids),
            "occurred_on": r.recorded.occurred_on, "already_recorded": r.already_recorded,
            "recorded_by": r.recorded.recorded_by}


def ceu(e: contract.CeuRecorded) -> Body:
    return {"ceu_id": e.ceu_id, "member_id": e.member_id, "credits": e.credits, "occurred_on": e.occurred_on,
            "recorded_by": e.recorded_by}


def attendance(meeting_date: date, events: list[contract.AttendanceRecorded]) -> Body:
    return {"meeting_date": meeting_date, "marks": {e.member_id: e.mark for e in events}}


def visitor_invited(e: contract.VisitorInvited) -> Body:
    return {"visitor_id": e.visitor_id, "invited_by": e.invited_by, "stage": "invited", "occurred_on": e.occurred_on,
            "recorded_by": e.recorded_by}


def visitor_erased(visitor_id: str) -> Body:
    return {"visitor_id": visitor_id, "visitor_erased": True}


def visitor_step(e: contract.VisitorAttended | contract.VisitorApplied) -> Body:
    return {"visitor_id": e.visitor_id, "stage": "attended" if isinstance(e, contract.VisitorAttended) else "applied",
            "occurred_on": e.occurred_on}
