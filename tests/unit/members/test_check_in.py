"""QR check-in, decided with a clock: codes exist only in the meeting window, change every 30 seconds, are
accepted for the current and the previous slot, and only for the chapter's own members; a refused scan
records nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from services.members.domain.check_in import CheckInWindow, check_in, code_for, issue, open_meeting, slot_of
from services.members.domain.errors import Conflict, Forbidden, InvalidField, NotFound
from services.members.service_layer import chapters
from services.members.service_layer import check_in as handlers
from services.members.service_layer.commands import AddMember, AssignRole, FoundChapter, Leave
from shared.auth import Principal
from tests.unit.members.fakes import FakeUnitOfWork

ADMIN = Principal(member_id=None, chapter_id=None, role="admin", token_id="t-admin")
WINDOW = CheckInWindow()
# the chapter meets on Wednesdays at 07:00 Europe/London; 2025-06-04 is a Wednesday (BST: 06:00 UTC)
START = datetime(2025, 6, 4, 6, 0, tzinfo=UTC)
MEETING = date(2025, 6, 4)


async def chapter_world(now: datetime) -> tuple[FakeUnitOfWork, str, dict[str, str]]:
    uow = FakeUnitOfWork(ADMIN, now=now)
    founded = await chapters.found_chapter(FoundChapter(
        name="Riverside", city="Leeds", region="Yorkshire", meeting_weekday="wednesday", meeting_time=time(7),
        timezone="Europe/London", currency="GBP", founded_on=date(2024, 1, 10)), uow)
    ids = {}
    for name, category in (("Pat", "Lawyer"), ("Ann", "Accountant"), ("Bob", "Baker")):
        added = await chapters.add_member(AddMember(name=name, business=f"{name} Ltd", category=category,
                                                    email=f"{name.lower()}@example.com", joined_on=date(2024, 2, 1)),
                                          uow, chapter_id=founded.chapter_id)
        ids[name] = added.member_id
    await chapters.assign_role(AssignRole(role="president"), uow, chapter_id=founded.chapter_id, member_id=ids["Pat"])
    return uow, founded.chapter_id, ids


def caller(uow: FakeUnitOfWork, chapter_id: str, member_id: str, role: str = "member",
           now: datetime | None = None) -> FakeUnitOfWork:
    other = uow.as_caller(Principal(member_id=member_id, chapter_id=chapter_id, role=role,  # type: ignore[arg-type]
                                    token_id=f"t-{member_id}"))
    if now is not None:
        other.clock = lambda: now
    return other


@pytest.mark.parametrize(("at", "on"), [
    (START - timedelta(minutes=31), None), (START - timedelta(minutes=30), MEETING), (START, MEETING),
    (START + timedelta(hours=2), MEETING), (START + timedelta(hours=2, seconds=1), None),
    (START + timedelta(days=1), None), (START - timedelta(days=7), MEETING - timedelta(days=7))])
async def test_the_meeting_window_runs_from_half_an_hour_before_to_two_hours_after(at: datetime,
                                                                                    on: date | None) -> None:
    uow, cid, _ = await chapter_world(at)
    assert open_meeting(await uow.chapters.get(cid), at, WINDOW) == on


async def test_a_configured_window_is_honoured() -> None:
    uow, cid, _ = await chapter_world(START)
    chapter = await uow.chapters.get(cid)
    narrow = CheckInWindow(before=timedelta(minutes=5), after=timedelta(minutes=15))
    assert open_meeting(chapter, START - timedelta(minutes=6), narrow) is None
    assert open_meeting(chapter, START + timedelta(minutes=15), narrow) == MEETING
    assert open_meeting(chapter, START + timedelta(minutes=16), narrow) is None


async def test_a_code_changes_every_thirty_seconds_and_the_previous_one_still_counts() -> None:
    uow, cid, ids = await chapter_world(START)
    chapter = await uow.chapters.get(cid)
    secret = uow.token_secret
    shown = issue(chapter, START, secret, WINDOW)
    assert shown.meeting_date == MEETING and shown.expires_at == START + timedelta(seconds=30)
    assert issue(chapter, START + timedelta(seconds=29), secret, WINDOW).code == shown.code
    assert issue(chapter, START + timedelta(seconds=30), secret, WINDOW).code != shown.code
    assert check_in(chapter, ids["Ann"], shown.code, START + timedelta(seconds=59), secret, WINDOW) == MEETING
    with pytest.raises(InvalidField) as refused:
        check_in(chapter, ids["Ann"], shown.code, START + timedelta(seconds=60), secret, WINDOW)
    assert refused.value.field == "code"


async def test_a_scan_marks_the_member_present_at_the_meeting_that_is_on() -> None:
    uow, cid, ids = await chapter_world(START + timedelta(minutes=5))
    code = issue(await uow.chapters.get(cid), uow.clock(), uow.token_secret, WINDOW).code
    event = await handlers.scan(code, caller(uow, cid, ids["Ann"]), chapter_id=cid, window=WINDOW)
    assert (event.member_id, event.meeting_date, event.mark) == (ids["Ann"], MEETING, "P")
    assert [(m.member_id, m.mark) for m in uow.attendance.marks] == [(ids["Ann"], "P")]


@pytest.mark.parametrize("attack", ["expired", "forged", "other chapter", "other meeting", "outside window",
                                    "departed member", "stranger", "administrator", "other secret"])
async def test_attacks_on_check_in_are_refused_and_record_nothing(attack: str) -> None:
    now = START + timedelta(minutes=10)
    uow, cid, ids = await chapter_world(now)
    chapter = await uow.chapters.get(cid)
    secret, slot = uow.token_secret, slot_of(now)
    code = code_for(secret, cid, MEETING, slot)
    who: FakeUnitOfWork = caller(uow, cid, ids["Ann"])
    expected: type[Exception] = InvalidField
    if attack == "expired":
        code = code_for(secret, cid, MEETING, slot - 2)
    elif attack == "forged":
        code = code[:-1] + ("A" if code[-1] != "A" else "B")
    elif attack == "other chapter":
        code = code_for(secret, "c-other", MEETING, slot)
    elif attack == "other meeting":
        code = code_for(secret, cid, MEETING - timedelta(days=7), slot)
    elif attack == "other secret":
        code = code_for("another secret of thirty-two bytes or more", cid, MEETING, slot)
    elif attack == "outside window":
        who = caller(uow, cid, ids["Ann"], now=START + timedelta(hours=3))
        code = code_for(secret, cid, MEETING, slot_of(START + timedelta(hours=3)))
        expected = Conflict
    elif attack == "departed member":
        await chapters.leave(Leave(reason="moved"), uow, chapter_id=cid, member_id=ids["Bob"])
        who, expected = caller(uow, cid, ids["Bob"]), Forbidden
    elif attack == "stranger":
        who, expected = caller(uow, "c-other", "m-stranger"), NotFound
    elif attack == "administrator":
        who, expected = uow, Forbidden
    assert chapter.chapter_id == cid
    with pytest.raises(expected):
        await handlers.scan(code, who, chapter_id=cid, window=WINDOW)
    assert uow.attendance.marks == []


async def test_only_leaders_are_shown_codes_and_only_during_the_meeting() -> None:
    uow, cid, ids = await chapter_world(START)
    with pytest.raises(Forbidden):
        await handlers.current_code(caller(uow, cid, ids["Ann"]), chapter_id=cid, window=WINDOW)
    shown = await handlers.current_code(caller(uow, cid, ids["Pat"], "president"), chapter_id=cid, window=WINDOW)
    assert shown.meeting_date == MEETING
    with pytest.raises(Conflict):
        await handlers.current_code(caller(uow, cid, ids["Pat"], "president", now=START + timedelta(hours=5)),
                                    chapter_id=cid, window=WINDOW)
