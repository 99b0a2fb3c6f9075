"""The members service's handlers, run through an in-memory unit of work: the chapter's rules as a
caller meets them, with no server, database or broker."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from services.members.domain.errors import Conflict, Forbidden, InvalidField, NotFound
from services.members.service_layer import chapters, meetings, slips
from services.members.service_layer.commands import (
    AddMember,
    AssignRole,
    ChangeStatus,
    FoundChapter,
    GiveReferral,
    InviteVisitor,
    Leave,
    Mark,
    Prospect,
    RecordAttendance,
    RecordOneToOne,
    Renew,
    ReportClosedBusiness,
)
from shared.auth import Principal, Role
from shared.contracts.members import OneToOneRecorded, ReferralGiven, ReferralStatus
from tests.unit.members.fakes import FakeUnitOfWork

ADMIN = Principal(member_id=None, chapter_id=None, role="admin", token_id="t-admin")
MET_ON = date(2025, 5, 28)


class World:
    """A chapter of three members (Ann, Bob, Cat), founded and joined in 2024."""

    def __init__(self, uow: FakeUnitOfWork, chapter_id: str, ids: dict[str, str]) -> None:
        self.uow, self.chapter_id, self.ids = uow, chapter_id, ids

    def as_(self, name: str, role: Role = "member") -> FakeUnitOfWork:
        return self.uow.as_caller(Principal(member_id=self.ids[name], chapter_id=self.chapter_id,
                                            role=role, token_id=f"t-{name}"))

    async def give(self, giver: str, receiver_id: str) -> ReferralGiven:
        cmd = GiveReferral(receiver_id=receiver_id, referral_type="outside", temperature=4,
                           prospect=Prospect(name="Jo Bloggs"), occurred_on=MET_ON)
        return await slips.give_referral(cmd, self.as_(giver), chapter_id=self.chapter_id)


@pytest.fixture
async def world() -> World:
    uow = FakeUnitOfWork(ADMIN)
    founded = await chapters.found_chapter(FoundChapter(
        name="Riverside", city="Leeds", region="Yorkshire", meeting_weekday="wednesday", meeting_time=time(7),
        timezone="Europe/London", currency="GBP", founded_on=date(2024, 1, 10)), uow)
    ids = {}
    for name, category in (("Ann", "Accountant"), ("Bob", "Baker"), ("Cat", "Florist")):
        added = await chapters.add_member(AddMember(name=name, business=f"{name} Ltd", category=category,
                                                    email=f"{name.lower()}@example.com", joined_on=date(2024, 2, 1)),
                                          uow, chapter_id=founded.chapter_id)
        ids[name] = added.member_id
    return World(uow, founded.chapter_id, ids)


async def test_a_referral_goes_to_another_active_member_with_the_prospect_sealed(world: World) -> None:
    given = await world.give("Ann", world.ids["Bob"])
    assert (given.giver_id, given.receiver_id, given.occurred_on) == (world.ids["Ann"], world.ids["Bob"], MET_ON)
    assert world.uow.prospect_keys.keys == {given.prospect.key_id: given.referral_id}
    assert (await world.uow.referrals.get(given.referral_id)).status == "given"


async def test_a_referral_to_oneself_a_stranger_or_a_departed_member_is_refused_and_keeps_no_key(
        world: World) -> None:
    await chapters.leave(Leave(left_on=MET_ON), world.as_("Cat"), chapter_id=world.chapter_id,
                         member_id=world.ids["Cat"])
    for receiver in (world.ids["Ann"], "m-nobody", world.ids["Cat"]):
        with pytest.raises(InvalidField) as refused:
            await world.give("Ann", receiver)
        assert refused.value.field == "receiver_id"
    assert world.uow.referrals.streams == {} and world.uow.prospect_keys.keys == {}


async def test_a_visitor_is_sealed_under_a_key_of_their_own_which_erasure_deletes(world: World) -> None:
    invited = await meetings.invite_visitor(InviteVisitor(visitor_name="Sam Lee", occurred_on=MET_ON),
                                            world.as_("Ann"), chapter_id=world.chapter_id)
    assert world.uow.visitor_keys.keys == {invited.visitor.key_id: invited.visitor_id}
    with pytest.raises(Forbidden):
        await meetings.erase_visitor(world.as_("Bob"), chapter_id=world.chapter_id, visitor_id=invited.visitor_id)
    with pytest.raises(NotFound):
        await meetings.erase_visitor(world.as_("Ann"), chapter_id=world.chapter_id, visitor_id="v-nobody")
    for _ in range(2):  # twice: no error, one erasure
        await meetings.erase_visitor(world.as_("Ann"), chapter_id=world.chapter_id, visitor_id=invited.visitor_id)
    assert world.uow.visitor_keys.keys == {}
    assert [type(e).__name__ for e in world.uow.visitors.streams[invited.visitor_id]] == [
        "VisitorInvited", "VisitorDataErased"]


async def test_a_blank_or_misdated_visitor_is_refused_and_keeps_no_key(world: World) -> None:
    for name, on in (("  ", MET_ON), ("Sam Lee", date(2099, 1, 1))):
        with pytest.raises(InvalidField):
            await meetings.invite_visitor(InviteVisitor(visitor_name=name, occurred_on=on), world.as_("Ann"),
                                          chapter_id=world.chapter_id)
    assert world.uow.visitors.streams == {} and world.uow.visitor_keys.keys == {}


async def test_only_the_receiver_moves_a_referral_along_the_pipeline(world: World) -> None:
    given = await world.give("Ann", world.ids["Bob"])

    async def step(name: str, status: ReferralStatus) -> str:
        changed = await slips.change_status(ChangeStatus(status=status, occurred_on=MET_ON),
                                            world.as_(name), chapter_id=world.chapter_id,
                                            referral_id=given.referral_id)
        return changed.to_status

    with pytest.raises(Forbidden):
        await step("Ann", "accepted")  # the giver cannot confirm their own referral
    assert await step("Bob", "accepted") == "accepted"
    with pytest.raises(Conflict, match="cannot become 'won'"):
        await step("Bob", "won")  # contacted comes first
    assert await step("Bob", "contacted") == "contacted"
    assert await step("Bob", "won") == "won"
    assert [s.status for s in (await world.uow.referrals.get(given.referral_id)).steps] == [
        "given", "accepted", "contacted", "won"]


async def test_another_chapters_referral_is_not_found(world: World) -> None:
    given = await world.give("Ann", world.ids["Bob"])
    with pytest.raises(NotFound):
        await slips.change_status(ChangeStatus(status="accepted"), world.as_("Bob"), chapter_id="c-elsewhere",
                                  referral_id=given.referral_id)


async def test_closed_business_from_a_referral_credits_its_giver(world: World) -> None:
    given = await world.give("Ann", world.ids["Bob"])
    reported = await slips.report_closed_business(
        ReportClosedBusiness(thanked_member_id=world.ids["Ann"], amount=Decimal("1250.00"), business_kind="new",
                             referral_id=given.referral_id, occurred_on=MET_ON),
        world.as_("Bob"), chapter_id=world.chapter_id)
    assert (reported.thanked_member_id, reported.reported_by) == (world.ids["Ann"], world.ids["Bob"])
    assert (str(reported.amount), reported.currency) == ("1250.00", "GBP")
    with pytest.raises(InvalidField, match="thanks its giver"):
        await slips.report_closed_business(
            ReportClosedBusiness(thanked_member_id=world.ids["Cat"], amount=Decimal("10.00"), business_kind="new",
                                 referral_id=given.referral_id, occurred_on=MET_ON),
            world.as_("Bob"), chapter_id=world.chapter_id)


async def test_a_one_to_one_reported_by_both_members_is_recorded_once(world: World) -> None:
    first = await slips.one_to_one(RecordOneToOne(with_member_id=world.ids["Bob"], occurred_on=MET_ON),
                                   world.as_("Ann"), chapter_id=world.chapter_id)
    second = await slips.one_to_one(RecordOneToOne(with_member_id=world.ids["Ann"], occurred_on=MET_ON),
                                    world.as_("Bob"), chapter_id=world.chapter_id)
    assert (first.already_recorded, second.already_recorded) == (False, True)
    assert first.recorded.one_to_one_id == second.recorded.one_to_one_id
    assert [e for e in world.uow.recorded if isinstance(e, OneToOneRecorded)] == [first.recorded]


async def test_a_taken_category_is_a_conflict_until_its_holder_leaves(world: World) -> None:
    applicant = AddMember(name="Dee", business="Dee & Co", category=" accountant", email="dee@example.com",
                          joined_on=date(2025, 1, 6))
    with pytest.raises(Conflict, match="already held") as refused:
        await chapters.add_member(applicant, world.uow, chapter_id=world.chapter_id)
    assert refused.value.status_code == 409
    await chapters.leave(Leave(left_on=MET_ON), world.as_("Ann"), chapter_id=world.chapter_id,
                         member_id=world.ids["Ann"])
    added = await chapters.add_member(applicant, world.uow, chapter_id=world.chapter_id)
    assert added.category == "accountant"


async def test_leaders_actions_are_refused_to_members_and_allowed_to_leaders(world: World) -> None:
    bob, chapter_id = world.as_("Bob"), world.chapter_id
    newcomer = AddMember(name="Eve", business="Eve Ltd", category="Plumber", email="eve@example.com")
    marks = RecordAttendance(marks=[Mark(member_id=world.ids["Ann"], mark="A")])
    refused = [
        chapters.add_member(newcomer, bob, chapter_id=chapter_id),
        chapters.renew(Renew(), bob, chapter_id=chapter_id, member_id=world.ids["Ann"]),
        chapters.leave(Leave(dropped=True), bob, chapter_id=chapter_id, member_id=world.ids["Ann"]),
        chapters.assign_role(AssignRole(role="president"), bob, chapter_id=chapter_id, member_id=world.ids["Bob"]),
        meetings.attendance(marks, bob, chapter_id=chapter_id, meeting_date=MET_ON),
    ]
    for use_case in refused:
        with pytest.raises(Forbidden):
            await use_case
    before = len(world.uow.recorded)
    appointed = await chapters.assign_role(AssignRole(role="president"), world.uow, chapter_id=chapter_id,
                                           member_id=world.ids["Bob"])
    assert appointed.role == "president" and "token" not in vars(appointed)
    president = world.as_("Bob", role="president")
    assert (await chapters.add_member(newcomer, president, chapter_id=chapter_id)).name == "Eve"
    assert [m.mark for m in await meetings.attendance(marks, president, chapter_id=chapter_id,
                                                      meeting_date=MET_ON)] == ["A"]
    assert len(world.uow.recorded) == before + 2  # the role, then the join; nothing from the refused
