"""More tries at breaking sign-in (beside test_sign_in.py): a code used for someone else, enumeration by the
shape of the answer or by the work done before it, and a token in a query string, in all three services."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.members.entrypoints import routes_sign_in
from shared.settings import Settings
from tests.e2e.members.conftest import ADMIN, ChapterWorld
from tests.e2e.notifications.helpers import Clock, config
from tests.e2e.notifications.helpers import running_app as running_notifications
from tests.e2e.notifications.receivers import smtp_server
from tests.e2e.referrals.helpers import running_app as running_referrals
from tests.e2e.sign_in import code_of, last_link_position, latest_link, request_link

VARYING = {"date", "x-request-id", "x-correlation-id"}  # per request, whoever asks


async def test_a_code_signs_in_only_the_member_it_was_sent_to(world: ChapterWorld) -> None:
    ann, bob = world.ids["Ann"], world.ids["Bob"]
    bobs_before = await last_link_position(world.settings, bob)
    anns = code_of(await request_link(world.client, world.settings, ann, "ann@example.com"))
    # asking at Ann's address sends Bob nothing
    position, _ = await latest_link(world.settings, ann, "sign-in")
    assert await last_link_position(world.settings, bob) == bobs_before < position
    bobs = code_of(await request_link(world.client, world.settings, bob, "bob@example.com"))
    # Ann, holding Bob's code (a forwarded e-mail), signs in as Bob only: no field names whom it is for
    for_ann = await world.client.post("/sign-in/exchange", json={"code": bobs, "member_id": ann})
    assert for_ann.status_code == 422 and for_ann.json()["detail"][0]["loc"] == ["body", "member_id"]
    exchanged = await world.client.post("/sign-in/exchange", json={"code": bobs})
    assert exchanged.status_code == 200 and exchanged.json()["member_id"] == bob
    mine = await world.client.post("/sign-in/exchange", json={"code": anns})
    assert mine.status_code == 200 and mine.json()["member_id"] == ann


async def test_known_and_unknown_addresses_get_identical_answers_and_the_same_work(
        world: ChapterWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same status, body and headers; and for both, the answer is made before anything is looked up: the
    route only queues the same background look-up (no timing assertion: what is done is the same)."""
    queued: list[tuple[Any, ...]] = []

    async def look_up_later(app: Any, email: str) -> None:
        queued.append((app, email))

    monkeypatch.setattr(routes_sign_in, "_send_links", look_up_later)
    answers = [await world.client.post("/sign-in", json={"email": email})
               for email in ("cy@example.com", "nobody@example.com", "CY@EXAMPLE.COM", "pat@example.com")]
    first = answers[0]
    for answer in answers:
        assert (answer.status_code, answer.content) == (first.status_code, first.content) == (202, first.content)
        assert {k: v for k, v in answer.headers.items() if k not in VARYING} == \
            {k: v for k, v in first.headers.items() if k not in VARYING}
    assert [email for _, email in queued] == ["cy@example.com", "nobody@example.com", "CY@EXAMPLE.COM",
                                              "pat@example.com"]


async def test_a_token_in_a_query_string_is_refused_by_every_service(world: ChapterWorld, settings: Settings) -> None:
    with smtp_server() as (_inbox, smtp_port):
        await _refused_everywhere(world, settings, smtp_port)


async def _refused_everywhere(world: ChapterWorld, settings: Settings, smtp_port: int) -> None:
    ann, pat = world.tokens["Ann"], world.tokens["Pat"]
    members_paths = [f"/chapters/{world.chapter_id}/members", "/me/sessions"]
    async with running_referrals(settings) as (_r, referrals), \
            running_notifications(settings, Clock(), config(smtp_port)) as (_n, notifications):
        clients: list[tuple[httpx.AsyncClient, list[str]]] = [
            (world.client, members_paths),
            (referrals, [f"/chapters/{world.chapter_id}/summary", f"/chapters/{world.chapter_id}/traffic-lights"]),
            (notifications, [f"/members/{world.ids['Ann']}/feed", f"/members/{world.ids['Ann']}/preferences"])]
        for client, paths in clients:
            for path in paths:
                for name in ("token", "access_token"):
                    for token in (ann, pat, ADMIN):
                        refused = await client.get(path, params={name: token})
                        assert refused.status_code == 401, (path, name, refused.text)
                        assert token not in refused.text
        # and writes: a query token records nothing
        before = (await world.client.get("/health")).json()["last_position"]
        posted = await world.client.post(f"/chapters/{world.chapter_id}/ceus", params={"access_token": ann},
                                         json={"description": "a book"})
        assert posted.status_code == 401
        assert (await world.client.get("/health")).json()["last_position"] == before
        refused = await referrals.post(f"/chapters/{world.chapter_id}/stream-tickets", params={"access_token": pat})
        assert refused.status_code == 401
