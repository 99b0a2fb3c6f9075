"""Members' asks: a member writes their own, dated in the chapter's time zone; leaders may clear one; bad text is
refused naming `text` and records nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.members.domain.errors import Forbidden, InvalidField
from services.members.service_layer import asks
from tests.unit.members.test_check_in import caller, chapter_world

# 23:30 UTC on 1 June is 00:30 on 2 June in London (BST): the ask is dated the chapter's day
NOW = datetime(2025, 6, 1, 23, 30, tzinfo=UTC)


async def test_a_member_sets_and_clears_their_own_ask() -> None:
    uow, chapter_id, ids = await chapter_world(NOW)
    ann = caller(uow, chapter_id, ids["Ann"])
    event = await asks.write_ask(ann, chapter_id=chapter_id, member_id=ids["Ann"],
                                 text="  Introductions to   bakeries  in Leeds ")
    assert (event.text, event.asked_on, event.updated_by) == ("Introductions to bakeries in Leeds", date(2025, 6, 2),
                                                              None)
    cleared = await asks.remove_ask(ann, chapter_id=chapter_id, member_id=ids["Ann"])
    assert cleared.text is None and cleared.updated_by is None
    assert [e.text for e in uow.asks.asks] == ["Introductions to bakeries in Leeds", None]


async def test_nobody_writes_another_members_ask_but_a_leader_may_clear_one() -> None:
    uow, chapter_id, ids = await chapter_world(NOW)
    bob, pat = caller(uow, chapter_id, ids["Bob"]), caller(uow, chapter_id, ids["Pat"], "president")
    for who in (bob, pat):
        with pytest.raises(Forbidden):
            await asks.write_ask(who, chapter_id=chapter_id, member_id=ids["Ann"], text="Looking for lawyers")
    with pytest.raises(Forbidden):
        await asks.remove_ask(bob, chapter_id=chapter_id, member_id=ids["Ann"])
    assert uow.asks.asks == []
    cleared = await asks.remove_ask(pat, chapter_id=chapter_id, member_id=ids["Ann"])
    assert cleared.text is None and cleared.updated_by == ids["Pat"]


@pytest.mark.parametrize(("text", "says"), [
    ("hi", "at least 3"), ("x" * 201, "at most 200"), ("bakers\x00", "U+0000"), ("line\nbreak", "U+000A"),
    ("bakers \u202eevil", "U+202E"), ("   \t ", "U+0009")])
async def test_bad_text_is_refused_naming_the_field_and_records_nothing(text: str, says: str) -> None:
    uow, chapter_id, ids = await chapter_world(NOW)
    with pytest.raises(InvalidField) as refused:
        await asks.write_ask(caller(uow, chapter_id, ids["Ann"]), chapter_id=chapter_id, member_id=ids["Ann"],
                             text=text)
    assert refused.value.field == "text" and says in refused.value.reason
    assert uow.asks.asks == []
