"""QR check-in through the HTTP API: a leader's code marks a scanning member present; every attack (an
expired slot, another chapter's code, a forged code, outside the meeting window, a member asking for codes,
a member of another chapter) is refused and records nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI

from services.members.domain.check_in import code_for, slot_of
from tests.conftest import TOKEN_SECRET
from tests.e2e.members.conftest import ChapterWorld, found

# the chapter meets on Wednesdays at 07:00 Europe/London; 2025-06-04 is a Wednesday (06:00 UTC)
START = datetime(2025, 6, 4, 6, 0, tzinfo=UTC)
MEETING = "2025-06-04"


def at(app: FastAPI, when: datetime) -> None:
    app.state.clock = lambda: when


async def marks(world: ChapterWorld) -> dict[str, str]:
    got = await world.get("Pat", f"/meetings/{MEETING}/attendance")
    assert got.status_code == 200, got.text
    return {m["member_id"]: m["mark"] for m in got.json()}


async def test_a_member_who_scans_the_leaders_code_is_present(app: FastAPI, world: ChapterWorld) -> None:
    at(app, START + timedelta(minutes=3))
    shown = await world.get("Pat", "/meetings/check-in-code")
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["meeting_date"] == MEETING and body["slot_seconds"] == 30
    assert body["url"].endswith(f"/app/check-in#chapter={world.chapter_id}&code={body['code']}")
    assert shown.headers["cache-control"] == "no-store"
    at(app, START + timedelta(minutes=3, seconds=31))  # the next slot: the code just shown still counts
    scanned = await world.post("Ann", "/meetings/check-in", {"code": body["code"]})
    assert scanned.status_code == 201, scanned.text
    assert scanned.json()["meeting_date"] == MEETING and scanned.json()["mark"] == "P"
    assert await marks(world) == {world.ids["Ann"]: "P"}


async def test_attacks_on_check_in_record_nothing(app: FastAPI, world: ChapterWorld) -> None:
    now = START + timedelta(minutes=10)
    at(app, now)
    slot = slot_of(now)
    current = code_for(TOKEN_SECRET, world.chapter_id, START.date(), slot)
    other_chapter = await found(world.client, "Hillside Partners")
    refused = {
        "an expired slot": ({"code": code_for(TOKEN_SECRET, world.chapter_id, START.date(), slot - 2)}, 422),
        "another chapter's code": ({"code": code_for(TOKEN_SECRET, other_chapter, START.date(), slot)}, 422),
        "last week's meeting": ({"code": code_for(TOKEN_SECRET, world.chapter_id, START.date() - timedelta(days=7),
                                                  slot)}, 422),
        "a forged code": ({"code": "A" * len(current)}, 422),
        "a code made with another secret": ({"code": code_for("x" * 40, world.chapter_id, START.date(), slot)}, 422),
        "an empty code": ({"code": ""}, 422),
        "an extra field": ({"code": current, "member_id": world.ids["Bob"]}, 422),
    }
    for what, (body, status) in refused.items():
        answer = await world.post("Ann", "/meetings/check-in", body)
        assert answer.status_code == status, (what, answer.text)
        if status == 422 and "code" in body and body["code"]:
            assert answer.json()["detail"][0]["loc"][-1] in ("code", "member_id"), (what, answer.text)
    # a member of another chapter, with this chapter's valid code: not found, never recorded
    stranger = await world.client.post(f"/chapters/{other_chapter}/meetings/check-in", json={"code": current},
                                       headers=world.as_("Ann"))
    assert stranger.status_code == 404, stranger.text
    # outside the meeting window (three hours after the start), with the code of that moment
    later = START + timedelta(hours=3)
    at(app, later)
    late = await world.post("Ann", "/meetings/check-in",
                            {"code": code_for(TOKEN_SECRET, world.chapter_id, START.date(), slot_of(later))})
    assert late.status_code == 409, late.text
    assert (await world.get("Pat", "/meetings/check-in-code")).status_code == 409, "no codes outside the window"
    at(app, now)
    assert (await world.get("Ann", "/meetings/check-in-code")).status_code == 403, "only leaders get codes"
    assert (await world.client.get(f"/chapters/{world.chapter_id}/meetings/check-in-code")).status_code == 401
    assert await marks(world) == {}
