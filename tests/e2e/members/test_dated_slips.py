"""Every slip carries the day it happened; impossible days are 422 naming the field, and nothing is recorded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI

from tests.e2e.members.conftest import ChapterWorld, referral


@pytest.fixture
def march_2025(app: FastAPI) -> None:
    """Today is Wednesday 5 March 2025 in London (chapter founded 2024-01-10, members joined 2024-02-07)."""
    app.state.clock = lambda: datetime(2025, 3, 5, 12, tzinfo=UTC)


@pytest.mark.usefixtures("march_2025")
@pytest.mark.parametrize(("day", "why"), [("2025-03-06", "future"), ("2023-12-31", "founded"),
                                          ("2024-01-20", "joined")])
async def test_impossible_days_are_refused_for_every_slip(world: ChapterWorld, day: str, why: str) -> None:
    bob = world.ids["Bob"]
    before = (await world.client.get("/health")).json()["last_position"]
    attempts = {
        "/referrals": referral(bob, occurred_on=day),
        "/closed-business": {"thanked_member_id": bob, "amount": "10.00", "business_kind": "new", "occurred_on": day},
        "/one-to-ones": {"with_member_id": bob, "occurred_on": day},
        "/ceus": {"description": "book", "occurred_on": day},
        "/visitors": {"visitor_name": "Sam", "occurred_on": day},
    }
    for path, body in attempts.items():
        response = await world.post("Ann", path, body)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["detail"][0]["loc"] == ["body", "occurred_on"], path
        assert why in response.json()["detail"][0]["msg"], path
    marks = {"marks": [{"member_id": bob, "mark": "P"}]}
    attendance = await world.post("Pat", f"/meetings/{day}/attendance", marks)
    assert attendance.status_code == 422 and attendance.json()["detail"][0]["loc"] == ["path", "meeting_date"]
    assert (await world.client.get("/health")).json()["last_position"] == before


@pytest.mark.usefixtures("march_2025")
async def test_a_status_step_dated_before_the_previous_one_is_refused(world: ChapterWorld) -> None:
    referral_id = (await world.post("Ann", "/referrals", referral(world.ids["Bob"], occurred_on="2025-03-01"))
                   ).json()["referral_id"]
    early = await world.post("Bob", f"/referrals/{referral_id}/status", {"status": "accepted",
                                                                         "occurred_on": "2025-02-28"})
    assert early.status_code == 422 and early.json()["detail"][0]["loc"] == ["body", "occurred_on"]
    assert "before the previous step 'given'" in early.json()["detail"][0]["msg"]
    assert (await world.post("Bob", f"/referrals/{referral_id}/status",
                             {"status": "accepted", "occurred_on": "2025-03-03"})).status_code == 200
    assert (await world.post("Bob", f"/referrals/{referral_id}/status",
                             {"status": "contacted", "occurred_on": "2025-03-02"})).status_code == 422


async def test_the_default_day_is_today_in_the_chapters_time_zone(world: ChapterWorld, app: FastAPI) -> None:
    # 23:30 UTC on 30 June is already 1 July in London (BST)
    app.state.clock = lambda: datetime(2025, 6, 30, 23, 30, tzinfo=UTC)
    body = referral(world.ids["Bob"])
    del body["occurred_on"]
    given = await world.post("Ann", "/referrals", body)
    assert given.status_code == 201 and given.json()["occurred_on"] == "2025-07-01"
    ceu = await world.post("Cy", "/ceus", {"description": "Podcast"})
    assert ceu.json()["occurred_on"] == "2025-07-01"
