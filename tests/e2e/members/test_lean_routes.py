"""The slip routes' lean path (`entrypoints/lean_routes.py`) answers every request exactly as the FastAPI
routes behind it do: the same refusals (status and body, the 4xx naming the field), the same recorded slips,
and nothing recorded for a refused one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from services.members.entrypoints.lean_routes import LeanRoute
from shared.http_auth import ACCESS_COOKIE
from tests.e2e.members.conftest import ChapterWorld, referral

SLIP_PATHS = ["/referrals", "/referrals/r-none/status", "/closed-business", "/closed-business/cb-none/verdict",
              "/one-to-ones", "/ceus"]


@contextmanager
def without_lean_routes(app: FastAPI) -> Iterator[None]:
    """The app as it was before the lean path: every request through FastAPI's routes."""
    kept = list(app.router.routes)
    app.router.routes[:] = [r for r in kept if not isinstance(r, LeanRoute)]
    try:
        yield
    finally:
        app.router.routes[:] = kept


def attempts(world: ChapterWorld, path: str) -> list[tuple[str, dict[str, str], bytes]]:
    """(what, headers, body) of requests each refused somewhere between the edge and the domain."""
    ann = world.tokens["Ann"]
    good = httpx.Request("POST", "/", json=referral(world.ids["Bob"])).content
    return [
        ("not JSON content", {"Authorization": f"Bearer {ann}", "Content-Type": "text/plain"}, good),
        ("broken JSON", {"Authorization": f"Bearer {ann}", "Content-Type": "application/json"}, b'{"receiver_id": '),
        ("unknown field", {"Authorization": f"Bearer {ann}", "Content-Type": "application/json"},
         httpx.Request("POST", "/", json=referral(world.ids["Bob"], recorded_by=world.ids["Pat"])).content),
        ("out of range", {"Authorization": f"Bearer {ann}", "Content-Type": "application/json"},
         httpx.Request("POST", "/", json=referral(world.ids["Bob"], temperature=9)).content),
        ("oversized key", {"Authorization": f"Bearer {ann}", "Content-Type": "application/json",
                           "Idempotency-Key": "k" * 201}, good),
        ("no token", {"Content-Type": "application/json"}, good),
        ("made-up token", {"Authorization": "Bearer made.up.token", "Content-Type": "application/json"}, good),
        ("cookie without CSRF", {"Cookie": f"{ACCESS_COOKIE}={ann}", "Content-Type": "application/json"}, good),
        ("to themself", {"Authorization": f"Bearer {ann}", "Content-Type": "application/json"},
         httpx.Request("POST", "/", json=referral(world.ids["Ann"])).content),
    ]


async def answers(world: ChapterWorld, chapter_id: str, path: str) -> list[tuple[str, int, Any]]:
    found = []
    for what, headers, body in attempts(world, path):
        response = await world.client.post(f"/chapters/{chapter_id}{path}", headers=headers, content=body)
        found.append((what, response.status_code, response.json()))
    return found


async def test_every_refusal_is_answered_as_the_fastapi_routes_answer_it_and_records_nothing(
        app: FastAPI, world: ChapterWorld) -> None:
    for chapter_id, path in [*((world.chapter_id, p) for p in SLIP_PATHS), ("c-another", "/referrals")]:
        lean = await answers(world, chapter_id, path)
        with without_lean_routes(app):
            full = await answers(world, chapter_id, path)
        assert lean == full, path
        assert all(400 <= status < 500 for _, status, _ in lean), lean
    named = {what: body for what, _, body in await answers(world, world.chapter_id, "/referrals")}
    assert named["unknown field"]["detail"][0]["loc"] == ["body", "recorded_by"]
    assert named["out of range"]["detail"][0]["loc"] == ["body", "temperature"]
    assert named["oversized key"]["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    for kind in ("/referrals", "/closed-business", "/one-to-ones", "/ceus"):
        assert (await world.get("Pat", kind)).json() == [], kind


async def test_a_slip_is_recorded_the_same_way_on_either_path(app: FastAPI, world: ChapterWorld) -> None:
    given = await world.post("Ann", "/referrals", referral(world.ids["Bob"]), key="lean-1")
    with without_lean_routes(app):
        other = await world.post("Ann", "/referrals", referral(world.ids["Cy"]), key="full-1")
        replayed_full = await world.post("Ann", "/referrals", referral(world.ids["Bob"]), key="lean-1")
    replayed_lean = await world.post("Ann", "/referrals", referral(world.ids["Cy"]), key="full-1")
    assert (given.status_code, other.status_code) == (201, 201), (given.text, other.text)
    assert set(given.json()) == set(other.json())
    # an Idempotency-Key answered on one path is answered the same on the other: one recording each
    assert replayed_full.json() == given.json() and replayed_lean.json() == other.json()
    listed = (await world.get("Pat", "/referrals")).json()
    assert sorted(r["referral_id"] for r in listed) == sorted([given.json()["referral_id"],
                                                                other.json()["referral_id"]])
    moved = await world.post("Bob", f"/referrals/{given.json()['referral_id']}/status", {"status": "accepted"})
    assert moved.status_code == 200, moved.text
    assert (await world.get("Bob", f"/referrals/{given.json()['referral_id']}")).json()["status"] == "accepted"
