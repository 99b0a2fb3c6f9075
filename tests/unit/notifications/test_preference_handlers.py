"""The preference handlers on a fake unit of work: a member's changes and the unsubscribe link."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.notifications.domain import kinds as k
from services.notifications.domain.preferences import ChapterSettings, Preferences, UnknownKind
from services.notifications.domain.unsubscribe import make_token
from services.notifications.service_layer import preferences as handlers
from services.notifications.service_layer.preferences import ChangePreferences, Unsubscribe
from tests.unit.notifications.fakes import FakeUnitOfWork

NOW = datetime(2025, 5, 6, 9, tzinfo=UTC)
SECRET = "s3cret"


async def test_a_member_without_preferences_gets_the_defaults() -> None:
    prefs = await handlers.of_member("m1", FakeUnitOfWork())
    assert prefs == Preferences()
    assert prefs.chosen()[k.WEEKLY_DIGEST] == ["email"] and prefs.chosen()[k.WELCOME] == ["email", "feed"]


async def test_change_replaces_only_what_is_given() -> None:
    uow = FakeUnitOfWork()
    await handlers.change(ChangePreferences("m1", NOW, channels={k.REFERRAL_WON: ["feed", "feed"]}), uow)
    prefs = await handlers.change(ChangePreferences("m1", NOW, digest=False), uow)
    assert prefs.channels == {k.REFERRAL_WON: ["feed"]} and not prefs.digest and not prefs.email_off
    assert uow.preferences.rows["m1"] == prefs and uow.preferences.saved_at["m1"] == NOW
    assert prefs.channels_for(k.WEEKLY_DIGEST) == []


async def test_change_refuses_an_unknown_kind_and_changes_nothing() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(UnknownKind) as refused:
        await handlers.change(ChangePreferences("m1", NOW, channels={"zz": ["feed"], "aa": []}, digest=False), uow)
    assert refused.value.kind == "aa"
    assert uow.preferences.rows == {} and uow.commits == 0


async def test_unsubscribe_from_everything_keeps_the_feed() -> None:
    uow = FakeUnitOfWork()
    scope = await handlers.unsubscribe(Unsubscribe(make_token(SECRET, "m1", "all"), SECRET, NOW), uow)
    prefs = uow.preferences.rows["m1"]
    assert scope == "all" and prefs.email_off
    assert prefs.channels_for(k.REFERRAL_RECEIVED) == ["feed"]


async def test_unsubscribe_from_the_digest_turns_it_off() -> None:
    uow = FakeUnitOfWork()
    await handlers.unsubscribe(Unsubscribe(make_token(SECRET, "m1", k.WEEKLY_DIGEST), SECRET, NOW), uow)
    prefs = uow.preferences.rows["m1"]
    assert prefs.channels[k.WEEKLY_DIGEST] == [] and not prefs.digest and not prefs.email_off


async def test_unsubscribe_from_one_kind_keeps_its_feed() -> None:
    uow = FakeUnitOfWork()
    await handlers.unsubscribe(Unsubscribe(make_token(SECRET, "m1", k.REFERRAL_WON), SECRET, NOW), uow)
    assert uow.preferences.rows["m1"].channels == {k.REFERRAL_WON: ["feed"]}


@pytest.mark.parametrize("token", [make_token("other secret", "m1", "all"), "garbage", "a.b",
                                   make_token(SECRET, "m1", "all")[:-2]])
async def test_a_link_not_ours_changes_nothing(token: str) -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(handlers.LinkNotValid):
        await handlers.unsubscribe(Unsubscribe(token, SECRET, NOW), uow)
    assert uow.preferences.rows == {}


async def test_a_genuine_link_to_an_unknown_kind_changes_nothing() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(UnknownKind):
        await handlers.unsubscribe(Unsubscribe(make_token(SECRET, "m1", "retired-kind"), SECRET, NOW), uow)
    assert uow.preferences.rows == {} and uow.commits == 0


async def test_chapter_settings_default_until_leaders_choose() -> None:
    uow = FakeUnitOfWork()
    assert await handlers.chapter_settings("c1", uow) == ChapterSettings()
    await handlers.change_chapter_settings("c1", ChapterSettings(absence_limit=5), uow)
    assert (await handlers.chapter_settings("c1", uow)).absence_limit == 5
