"""Slips a leader keys in for a member (paper slips at the meeting): the slip is the member's and names the
leader who typed it (`recorded_by`); nobody else records for another member."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.members.domain.errors import Forbidden, InvalidField
from services.members.service_layer import chapters, meetings, slips
from services.members.service_layer.commands import (
    AssignRole,
    GiveReferral,
    InviteVisitor,
    Leave,
    Prospect,
    RecordCeu,
    RecordOneToOne,
    ReportClosedBusiness,
)
from tests.unit.members import test_handlers
from tests.unit.members.test_handlers import MET_ON, World

world = test_handlers.world  # the fixture: a chapter of Ann, Bob and Cat


def referral_for(receiver_id: str, on_behalf_of: str | None) -> GiveReferral:
    return GiveReferral(receiver_id=receiver_id, referral_type="outside", temperature=3,
                        prospect=Prospect(name="Jo Bloggs"), occurred_on=MET_ON, on_behalf_of=on_behalf_of)


async def appoint(world: World, name: str) -> None:
    await chapters.assign_role(AssignRole(role="president"), world.uow, chapter_id=world.chapter_id,
                               member_id=world.ids[name])


async def test_a_leader_keys_in_every_kind_of_slip_for_a_member_and_each_names_both(world: World) -> None:
    await appoint(world, "Cat")
    cat, ann, bob, cid = world.as_("Cat", "president"), world.ids["Ann"], world.ids["Bob"], world.chapter_id
    given = await slips.give_referral(referral_for(bob, ann), cat, chapter_id=cid)
    assert (given.giver_id, given.recorded_by) == (ann, world.ids["Cat"])
    closed = await slips.report_closed_business(ReportClosedBusiness(
        thanked_member_id=ann, amount=Decimal("120.00"), business_kind="new", occurred_on=MET_ON,
        on_behalf_of=bob), cat, chapter_id=cid)
    assert (closed.reported_by, closed.recorded_by) == (bob, world.ids["Cat"])
    met = await slips.one_to_one(RecordOneToOne(with_member_id=bob, occurred_on=MET_ON, on_behalf_of=ann), cat,
                                 chapter_id=cid)
    assert (met.recorded.reported_by, met.recorded.recorded_by) == (ann, world.ids["Cat"])
    ceu = await slips.ceu(RecordCeu(description="a book", occurred_on=MET_ON, on_behalf_of=ann), cat, chapter_id=cid)
    assert (ceu.member_id, ceu.recorded_by) == (ann, world.ids["Cat"])
    invited = await meetings.invite_visitor(InviteVisitor(visitor_name="Sam Lee", occurred_on=MET_ON,
                                                          on_behalf_of=bob), cat, chapter_id=cid)
    assert (invited.invited_by, invited.recorded_by) == (bob, world.ids["Cat"])


async def test_a_member_recording_for_themself_leaves_recorded_by_empty(world: World) -> None:
    ann = world.ids["Ann"]
    given = await slips.give_referral(referral_for(world.ids["Bob"], ann), world.as_("Ann"),
                                      chapter_id=world.chapter_id)
    assert (given.giver_id, given.recorded_by) == (ann, None)
    assert (await world.give("Ann", world.ids["Bob"])).recorded_by is None


async def test_a_member_cannot_record_for_another_member_and_nothing_is_recorded(world: World) -> None:
    before = len(world.uow.recorded)
    bob, ann, cid = world.as_("Bob"), world.ids["Ann"], world.chapter_id
    refused = [
        slips.give_referral(referral_for(world.ids["Cat"], ann), bob, chapter_id=cid),
        slips.ceu(RecordCeu(description="a book", occurred_on=MET_ON, on_behalf_of=ann), bob, chapter_id=cid),
        meetings.invite_visitor(InviteVisitor(visitor_name="Sam Lee", occurred_on=MET_ON, on_behalf_of=ann), bob,
                                chapter_id=cid),
        slips.one_to_one(RecordOneToOne(with_member_id=world.ids["Cat"], occurred_on=MET_ON, on_behalf_of=ann), bob,
                         chapter_id=cid),
    ]
    for use_case in refused:
        with pytest.raises(Forbidden, match="on another member's behalf"):
            await use_case
    assert len(world.uow.recorded) == before and world.uow.prospect_keys.keys == {}


async def test_a_leader_cannot_record_for_a_departed_member_or_a_stranger(world: World) -> None:
    await appoint(world, "Cat")
    cat, cid = world.as_("Cat", "president"), world.chapter_id
    await chapters.leave(Leave(), world.uow, chapter_id=cid, member_id=world.ids["Ann"])
    before = len(world.uow.recorded)
    for member in (world.ids["Ann"], "m-stranger"):
        with pytest.raises(InvalidField, match="on_behalf_of"):
            await slips.give_referral(referral_for(world.ids["Bob"], member), cat, chapter_id=cid)
    assert len(world.uow.recorded) == before
