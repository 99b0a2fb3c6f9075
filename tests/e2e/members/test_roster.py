"""Chapters and their roster: categories, roles, renewals, departures, visitors, attendance."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import FastAPI

from shared.settings import Settings
from tests.e2e.members.conftest import ADMIN, ChapterWorld, bearer, found
from tests.integration.foundation.things import body_of, headers_of, read_topic


async def test_a_second_member_for_a_taken_category_is_409_naming_the_category(world: ChapterWorld) -> None:
    taken = await world.add("Pat", "Dee", "  accountant ")
    assert taken.status_code == 409
    assert "'Accountant'" in taken.json()["detail"]
    roster = (await world.get("Pat", "/members")).json()
    assert sorted(m["name"] for m in roster) == ["Ann", "Bob", "Cy", "Pat"]


async def test_a_category_is_free_again_once_its_holder_left(world: ChapterWorld) -> None:
    left = await world.post("Ann", f"/members/{world.ids['Ann']}/departure", {"reason": "retiring"})
    assert left.status_code == 201, left.text
    assert (await world.add("Pat", "Dee", "Accountant")).status_code == 201
    roster = (await world.get("Pat", "/members?include_former=true")).json()
    assert {m["name"]: m["active"] for m in roster}["Ann"] is False


async def test_departed_and_dropped_members_tokens_stop_working_at_once(world: ChapterWorld,
                                                                         settings: Settings) -> None:
    ann_token = world.tokens["Ann"]
    assert (await world.post("Ann", f"/members/{world.ids['Ann']}/departure", {})).status_code == 201
    assert (await world.get("Ann", "/members")).status_code == 401
    dropped = await world.post("Pat", f"/members/{world.ids['Bob']}/departure",
                               {"dropped": True, "reason": "absences"})
    assert dropped.status_code == 201
    assert (await world.get("Bob", "/members")).status_code == 401
    assert ann_token != world.tokens["Bob"]
    # the other services learn it from the topic (which also tells that 4 welcome links and Pat's sign-in link
    # were sent); the first revocation is Pat's first session, ended when Pat was appointed president
    access = await read_topic(settings.kafka_bootstrap_servers, settings.topic("members.access"), 8)
    revoked = [r for r in access if headers_of(r)["ce_type"] == "org.refnet.members.access-revoked.v1"]
    assert [body_of(r)["member_id"] for r in revoked] == [None, world.ids["Ann"], world.ids["Bob"]]
    assert body_of(revoked[0])["reason"] == "role changed" and body_of(revoked[0])["token_id"].startswith("s-")


async def test_a_revoked_session_stops_working_and_the_other_one_works(world: ChapterWorld) -> None:
    issued = await world.post("Cy", f"/members/{world.ids['Cy']}/sessions", {"device": "tablet"})
    assert issued.status_code == 201
    assert (await world.client.get(f"/chapters/{world.chapter_id}/members",
                                   headers=bearer(issued.json()["access_token"]))).status_code == 200
    revoked = await world.post("Cy", f"/members/{world.ids['Cy']}/tokens/{issued.json()['session_id']}/revocation",
                               {"reason": "phone lost"})
    assert revoked.status_code == 201, revoked.text
    assert (await world.client.get(f"/chapters/{world.chapter_id}/members",
                                   headers=bearer(issued.json()["access_token"]))).status_code == 401
    assert (await world.get("Cy", "/members")).status_code == 200  # the other session still works


async def test_roles_have_one_holder_and_old_tokens_lose_the_old_role(world: ChapterWorld) -> None:
    old_pat = world.tokens["Pat"]
    moved = await world.post("admin", f"/members/{world.ids['Ann']}/role", {"role": "president"})
    assert moved.status_code == 201
    roster = {m["name"]: m["role"] for m in (await world.get("admin", "/members")).json()}
    assert roster["Ann"] == "president" and roster["Pat"] == "member"
    assert (await world.client.get(f"/chapters/{world.chapter_id}/members", headers=bearer(old_pat))).status_code == 401


async def test_renewal_extends_membership_by_a_year(world: ChapterWorld) -> None:
    renewed = await world.post("Pat", f"/members/{world.ids['Bob']}/renewal", {"renewed_on": "2025-02-01"})
    assert renewed.status_code == 201, renewed.text
    assert renewed.json()["renewed_until"] == "2026-02-07"


async def test_attendance_counts_absences_in_a_rolling_six_months(world: ChapterWorld, app: FastAPI) -> None:
    bob = world.ids["Bob"]
    days = {"2025-01-08": "A", "2025-06-04": "A", "2025-06-11": "S", "2025-06-18": "M", "2025-07-02": "A",
            "2025-07-09": "L"}
    for day, mark in days.items():
        marks = [{"member_id": bob, "mark": mark, **({"substitute_name": "Sue"} if mark == "S" else {})}]
        recorded = await world.post("Pat", f"/meetings/{day}/attendance", {"marks": marks})
        assert recorded.status_code == 201, recorded.text
    sheet = (await world.get("Ann", "/meetings/2025-06-11/attendance")).json()
    assert sheet == [{"member_id": bob, "mark": "S", "substitute_name": "Sue"}]
    app.state.clock = lambda: datetime(2025, 7, 10, 9, tzinfo=UTC)
    assert (await world.get("Pat", f"/members/{bob}")).json()["absences_last_six_months"] == 2
    app.state.clock = lambda: datetime(2025, 12, 10, 9, tzinfo=UTC)
    assert (await world.get("Pat", f"/members/{bob}")).json()["absences_last_six_months"] == 1
    corrected = await world.post("Pat", "/meetings/2025-07-02/attendance", {"marks": [{"member_id": bob, "mark": "M"}]})
    assert corrected.status_code == 201
    assert (await world.get("Pat", f"/members/{bob}")).json()["absences_last_six_months"] == 0


async def test_visitor_invited_attended_applied_and_became_member(world: ChapterWorld) -> None:
    invited = await world.post("Ann", "/visitors", {"visitor_name": "Sam Lee", "business": "Lee Plumbing",
                                                    "occurred_on": "2025-03-01"})
    assert invited.status_code == 201, invited.text
    visitor_id = invited.json()["visitor_id"]
    assert (await world.post("Bob", f"/visitors/{visitor_id}/steps", {"step": "attended"})).status_code == 403
    for step in ("attended", "applied"):
        assert (await world.post("Ann", f"/visitors/{visitor_id}/steps",
                                 {"step": step, "occurred_on": "2025-03-05"})).status_code == 201
    joined = await world.post("Pat", "/members", {"name": "Sam Lee", "business": "Lee Roofing", "category": "Roofer",
                                                  "email": "sam@lee.example", "joined_on": "2025-03-12",
                                                  "visitor_id": visitor_id})
    assert joined.status_code == 201, joined.text
    visitors = (await world.get("Pat", "/visitors")).json()
    assert visitors[0]["stage"] == "member" and visitors[0]["invited_by"] == world.ids["Ann"]
    assert (await world.get("Pat", f"/members/{world.ids['Ann']}")).json()["visitors_invited"] == 1


async def test_one_to_one_reported_by_both_is_one_meeting(world: ChapterWorld) -> None:
    first = await world.post("Ann", "/one-to-ones", {"with_member_id": world.ids["Bob"], "occurred_on": "2025-03-03"})
    second = await world.post("Bob", "/one-to-ones", {"with_member_id": world.ids["Ann"], "occurred_on": "2025-03-03",
                                                      "mode": "video"})
    assert first.status_code == second.status_code == 201
    assert first.json()["one_to_one_id"] == second.json()["one_to_one_id"]
    assert second.json()["already_recorded"] is True
    assert len((await world.get("Pat", "/one-to-ones")).json()) == 1
    assert (await world.get("Pat", f"/members/{world.ids['Ann']}")).json()["one_to_ones"] == 1


async def test_ceus_count_per_member(world: ChapterWorld) -> None:
    for credits in (1, 2):
        assert (await world.post("Cy", "/ceus", {"description": "Podcast", "credits": credits,
                                                 "occurred_on": "2025-03-03"})).status_code == 201
    assert (await world.get("Pat", f"/members/{world.ids['Cy']}")).json()["ceu_credits"] == 3


async def test_chapters_are_founded_by_the_admin_only(world: ChapterWorld) -> None:
    body = {"name": "X", "city": "Y", "region": "Z", "meeting_weekday": "monday", "meeting_time": "08:00",
            "timezone": "Europe/Paris", "currency": "EUR"}
    assert (await world.client.post("/chapters", json=body, headers=world.as_("Pat"))).status_code == 403
    assert (await world.client.post("/chapters", json=body)).status_code == 401
    other = await found(world.client, "Other")
    assert other != world.chapter_id
    assert (await world.client.get(f"/chapters/{other}", headers=bearer(ADMIN))).status_code == 200


async def test_two_applicants_racing_for_one_category_one_gets_in(world: ChapterWorld) -> None:
    first, second = await asyncio.gather(world.add("Pat", "Dee", "Dentist"), world.add("Pat", "Eve", "dentist"))
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    loser = first if first.status_code == 409 else second
    assert "'Dentist'" in loser.json()["detail"] or "'dentist'" in loser.json()["detail"]
    roster = (await world.get("Pat", "/members")).json()
    assert sum(1 for m in roster if m["category"].lower() == "dentist") == 1
