"""A visitor registers themself on the chapter's public page (no account): the page's details, the recorded
invitation (sealed, with the meeting and the contact for the notifications service), a double submit recorded
once, and every attack refused with nothing recorded (honeypot, rate limit, header injection, unknown chapter,
a day that is not a meeting, oversize fields, a made-up inviter)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from services.members.entrypoints.app import create_app
from shared.contracts.members import NO_INVITER, SealedData
from shared.settings import Settings
from shared.visitor_contact import open_contact
from tests.e2e.members.conftest import ChapterWorld, members_config

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)  # a Monday; the chapter meets Wednesdays 07:00 Europe/London
NEXT = ["2025-03-12", "2025-03-19", "2025-03-26", "2025-04-02", "2025-04-09", "2025-04-16", "2025-04-23",
        "2025-04-30"]
SAM = {"name": "Sam Lee", "business": "Lee Plumbing", "email": "sam@lee-plumbing.example",
       "meeting_date": "2025-03-19"}


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The members service with room for many registrations from the tests' one address (the limit's own test
    runs a service with the default limit)."""
    application = create_app(settings.model_copy(update={"rate_visit_per_minute": 100_000.0}), members_config())
    async with application.router.lifespan_context(application):
        yield application


async def invitations(app: FastAPI, chapter_id: str) -> list[dict[str, Any]]:
    pool: asyncpg.Pool = app.state.service.pool
    rows = await pool.fetch("SELECT data FROM events WHERE chapter_id = $1 AND type LIKE '%visitor-invited%'"
                            " ORDER BY position", chapter_id)
    return [json.loads(r["data"]) for r in rows]


async def recorded_nothing(app: FastAPI, chapter_id: str) -> bool:
    pool: asyncpg.Pool = app.state.service.pool
    keys = await pool.fetchval("SELECT count(*) FROM visitor_keys")
    return await invitations(app, chapter_id) == [] and keys == 0


def details_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_the_page_and_its_details_name_the_next_meetings_and_members_by_name_alone(
        world: ChapterWorld, app: FastAPI) -> None:
    app.state.clock = lambda: NOW
    page = await world.client.get(f"/visit/{world.chapter_id}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "script-src 'self'" in page.headers["content-security-policy"] and "<script>" not in page.text
    assert (await world.client.get("/visit-files/visit.js")).status_code == 200
    assert (await world.client.get("/visit-files/..%2fapp.py")).status_code == 404
    details = details_of(await world.client.get(f"/visit/{world.chapter_id}/details"))
    assert details["chapter_name"] == "Riverside Connectors" and details["meeting_time"] == "07:00"
    assert details["meetings"] == NEXT
    assert [m["name"] for m in details["members"]] == ["Ann", "Bob", "Cy", "Pat"]
    text = json.dumps(details)
    assert not any(world.ids[n] in text or world.email(n) in text for n in ("Ann", "Bob", "Cy", "Pat"))
    # at 07:30 on a meeting day, that meeting has begun: the next one is the first to pick
    app.state.clock = lambda: datetime(2025, 3, 12, 7, 30, tzinfo=UTC)
    assert details_of(await world.client.get(f"/visit/{world.chapter_id}/details"))["meetings"][0] == "2025-03-19"


async def test_a_registration_is_recorded_sealed_once_with_the_inviter_named(
        world: ChapterWorld, app: FastAPI, settings: Settings) -> None:
    app.state.clock = lambda: NOW
    details = details_of(await world.client.get(f"/visit/{world.chapter_id}/details"))
    ann = next(m["handle"] for m in details["members"] if m["name"] == "Ann")
    first = await world.client.post(f"/visit/{world.chapter_id}", json={**SAM, "invited_by": ann})
    assert first.status_code == 201, first.text
    assert first.json()["registered"] is True and first.json()["meeting_date"] == "2025-03-19"
    again = await world.client.post(f"/visit/{world.chapter_id}", json={**SAM, "invited_by": ann,
                                                                         "email": "SAM@lee-plumbing.example"})
    assert again.status_code == 201 and again.json()["meeting_date"] == "2025-03-19"
    [event] = await invitations(app, world.chapter_id)  # the double submit recorded nothing more
    assert event["self_registered"] is True and event["meeting_date"] == "2025-03-19"
    assert event["invited_by"] == world.ids["Ann"] and event["occurred_on"] == "2025-03-10"
    stored = json.dumps(event)
    assert "Sam Lee" not in stored and "lee-plumbing" not in stored
    assert open_contact(settings.token_keys, SealedData(**event["contact"])) == ("Sam Lee", SAM["email"])
    [listed] = (await world.get("Pat", "/visitors")).json()
    assert (listed["name"], listed["business"], listed["email"]) == ("Sam Lee", "Lee Plumbing", SAM["email"])
    assert listed["invited_by"] == world.ids["Ann"] and listed["stage"] == "invited"
    # the address is erased with the name: the visitor's one data key
    assert (await world.post("Pat", f"/visitors/{listed['visitor_id']}/erase")).status_code == 201
    [erased] = (await world.get("Pat", "/visitors")).json()
    assert (erased["name"], erased["email"], erased["visitor_erased"]) == (None, None, True)
    # a double tap: two submits at once are one registration, with one data key
    twice = await asyncio.gather(*(world.client.post(f"/visit/{world.chapter_id}", json={**SAM, "email": "jo@x.org"})
                                   for _ in range(2)))
    assert [r.status_code for r in twice] == [201, 201], [r.text for r in twice]
    jo = (await invitations(app, world.chapter_id))[1:]
    assert len(jo) == 1
    pool: asyncpg.Pool = app.state.service.pool
    assert await pool.fetchval("SELECT count(*) FROM visitor_keys WHERE visitor_id = $1", jo[0]["visitor_id"]) == 1
    # nobody invited them: the marker, not a member
    alone = await world.client.post(f"/visit/{world.chapter_id}", json={**SAM, "email": "kim@example.org"})
    assert alone.status_code == 201, alone.text
    assert (await invitations(app, world.chapter_id))[-1]["invited_by"] == NO_INVITER


async def test_a_filled_honeypot_is_answered_like_a_registration_and_records_nothing(
        world: ChapterWorld, app: FastAPI) -> None:
    app.state.clock = lambda: NOW
    robot = await world.client.post(f"/visit/{world.chapter_id}", json={**SAM, "website": "http://spam.example"})
    assert robot.status_code == 201 and robot.json() == {"registered": True, "meeting_date": "2025-03-19"}
    assert await recorded_nothing(app, world.chapter_id)


async def test_hostile_input_is_refused_naming_the_field_and_records_nothing(
        world: ChapterWorld, app: FastAPI) -> None:
    app.state.clock = lambda: NOW
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "Sam\r\nBcc: victim@example.org"}, "name"),
        ({"business": "Lee\nPlumbing"}, "business"),
        ({"email": "sam@example.org\r\nBcc: victim@example.org"}, "email"),
        ({"email": "Sam <sam@example.org>, other@example.org"}, "email"),
        ({"meeting_date": "2025-03-18"}, "meeting_date"),  # a Tuesday
        ({"meeting_date": "2025-03-05"}, "meeting_date"),  # a Wednesday gone by
        ({"meeting_date": "2025-05-07"}, "meeting_date"),  # further ahead than the page offers
        ({"meeting_date": "soon"}, "meeting_date"),
        ({"name": "x" * 121}, "name"),
        ({"business": "x" * 161}, "business"),
        ({"email": "a" * 250 + "@example.org"}, "email"),
        ({"invited_by": "0123456789abcdef"}, "invited_by"),
        ({"chapter_id": "another"}, "chapter_id"),
    ]
    for change, field in cases:
        refused = await world.client.post(f"/visit/{world.chapter_id}", json={**SAM, **change})
        assert refused.status_code == 422, (change, refused.text)
        assert field in json.dumps(refused.json()["detail"]), (change, refused.text)
    huge = await world.client.post(f"/visit/{world.chapter_id}", json={**SAM, "name": "x" * 2_000_000})
    assert huge.status_code == 413
    unknown = await world.client.post("/visit/no-such-chapter", json=SAM)
    assert unknown.status_code == 404
    assert (await world.client.get("/visit/no-such-chapter/details")).status_code == 404
    assert await recorded_nothing(app, world.chapter_id)
    # markup is kept as text (every page and e-mail escapes it), never refused as such
    markup = await world.client.post(f"/visit/{world.chapter_id}", json={**SAM, "name": "<b>Sam</b>"})
    assert markup.status_code == 201, markup.text


async def test_an_address_registering_too_often_is_slowed_down_and_the_refused_ones_record_nothing(
        world: ChapterWorld, settings: Settings) -> None:
    limited = create_app(settings, members_config())  # the default limit: a burst of 5, then 10 a minute
    async with limited.router.lifespan_context(limited), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=limited), base_url="http://t") as client:
        limited.state.clock = lambda: NOW
        answers = [await client.post(f"/visit/{world.chapter_id}", json={**SAM, "email": f"v{n}@example.org"})
                   for n in range(8)]
        statuses = [a.status_code for a in answers]
        assert statuses[:5] == [201] * 5 and 429 in statuses[5:], statuses
        refused = next(a for a in answers if a.status_code == 429)
        assert int(refused.headers["retry-after"]) >= 1
        assert len(await invitations(limited, world.chapter_id)) == statuses.count(201)
        # members' own slips are not held up by the visitors' limit
        invited = await client.post(f"/chapters/{world.chapter_id}/visitors", json={"visitor_name": "Dee"},
                                    headers=world.as_("Ann"))
        assert invited.status_code == 201, invited.text


def test_the_next_meetings_follow_the_chapters_time_zone() -> None:
    from services.members.domain.chapter import Chapter
    from services.members.domain.visitor_registration import upcoming_meetings
    from shared.contracts.members import ChapterFounded

    chapter = Chapter("c")
    chapter.apply(ChapterFounded(chapter_id="c", chapter_name="W", city="Warszawa", region="PL",
                                 meeting_weekday="wednesday", meeting_time="07:00", timezone="Europe/Warsaw",
                                 currency="PLN", founded_on=date(2020, 1, 1), language="pl"))
    # 05:30 UTC on a Wednesday is 06:30 in Warsaw: that morning's meeting is still ahead
    assert upcoming_meetings(chapter, datetime(2025, 3, 12, 5, 30, tzinfo=UTC))[0] == date(2025, 3, 12)
    assert upcoming_meetings(chapter, datetime(2025, 3, 12, 6, 30, tzinfo=UTC))[0] == date(2025, 3, 19)
