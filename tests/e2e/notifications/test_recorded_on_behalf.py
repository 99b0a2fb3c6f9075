"""A leader keys in members' paper slips at the meeting: the event names the member and the leader who typed
it (`recorded_by`), and the member is told, in the chapter's language (here Polish: a chapter founded with
`language: pl` gets Polish e-mails from the real SMTP server), on the channels they chose. A member cannot
record for another member. Both services in-process, real Kafka and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import httpx

from services.members.entrypoints.app import create_app as members_app
from shared.settings import Settings
from tests.e2e.members.conftest import ADMIN, PROSPECT, ChapterWorld, bearer, members_config
from tests.e2e.notifications.helpers import Clock, Inbox, config, running_app, text_of, wait_until

POLISH_CHAPTER = {"name": "Wisła Biznes", "city": "Kraków", "region": "Małopolska", "meeting_weekday": "wednesday",
                  "meeting_time": "07:00", "timezone": "Europe/Warsaw", "currency": "PLN",
                  "founded_on": "2024-01-10", "language": "pl"}


async def slips(settings: Settings, chapter_id: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(settings.service_database_url("members"))
    try:
        rows = await conn.fetch("SELECT type, data FROM events WHERE data->>'chapter_id' = $1 AND type = ANY($2)"
                                " ORDER BY position", chapter_id,
                                ["org.refnet.members.referral-given.v1", "org.refnet.members.ceu-recorded.v1",
                                 "org.refnet.members.closed-business-reported.v1"])
    finally:
        await conn.close()
    return [{"type": r["type"], **json.loads(r["data"])} for r in rows]


async def test_a_leader_records_for_a_member_who_is_told_in_polish(settings: Settings, clock: Clock,
                                                                   smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    members = members_app(settings, members_config())
    async with members.router.lifespan_context(members), \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=members), base_url="http://members") as m_client, \
            running_app(settings, clock, config(port)) as (_app, n_client):
        founded = await m_client.post("/chapters", headers=bearer(ADMIN), json=POLISH_CHAPTER)
        assert founded.status_code == 201, founded.text
        world = ChapterWorld(m_client, founded.json()["chapter_id"], settings)
        for name, category in (("Pat", "Prawnik"), ("Ann", "Księgowa"), ("Bob", "Florysta")):
            assert (await world.add("admin", name, category)).status_code == 201
        appointed = await world.post("admin", f"/members/{world.ids['Pat']}/role", {"role": "president"})
        assert appointed.status_code == 201, appointed.text
        await world.sign_in("Pat")
        # the welcome e-mail from the real SMTP server is Polish
        await wait_until(lambda: inbox.to("ann@example.com", "welcome"), 60, "Ann's welcome")
        welcome = inbox.to("ann@example.com", "welcome")[0]
        assert welcome["Subject"] == "Witamy w Wisła Biznes"
        assert "Dzień dobry, Ann," in text_of(welcome) and "link działa jeden raz" in text_of(welcome).lower()
        # Bob reads slips keyed in for him in the feed only
        prefs = await n_client.put(f"/members/{world.ids['Bob']}/preferences", headers=world.as_("Bob"),
                                   json={"channels": {"recorded-on-behalf": ["feed"]}})
        assert prefs.status_code == 200, prefs.text

        # a member may not record for another, nor name who typed it: nothing is recorded
        for who, body, status in (
                ("Bob", {"receiver_id": world.ids["Pat"], "on_behalf_of": world.ids["Ann"]}, 403),
                ("Bob", {"receiver_id": world.ids["Pat"], "recorded_by": world.ids["Pat"]}, 422),
                ("Ann", {"receiver_id": world.ids["Bob"], "recorded_by": world.ids["Pat"]}, 422)):
            refused = await world.post(who, "/referrals", {"referral_type": "outside", "temperature": 3,
                                                          "prospect": PROSPECT, **body})
            assert refused.status_code == status, refused.text
        refused = await world.post("Bob", "/ceus", {"description": "książka", "on_behalf_of": world.ids["Ann"]})
        assert refused.status_code == 403, refused.text
        assert await slips(settings, world.chapter_id) == []

        # the paper slips of the meeting, keyed in by the president
        given = await world.post("Pat", "/referrals", {"receiver_id": world.ids["Bob"], "referral_type": "outside",
                                                       "temperature": 4, "prospect": PROSPECT,
                                                       "occurred_on": "2025-03-05", "on_behalf_of": world.ids["Ann"]})
        assert given.status_code == 201, given.text
        assert (given.json()["giver_id"], given.json()["recorded_by"]) == (world.ids["Ann"], world.ids["Pat"])
        closed = await world.post("Pat", "/closed-business", {
            "thanked_member_id": world.ids["Ann"], "amount": "1234.50", "business_kind": "new",
            "occurred_on": "2025-03-06", "on_behalf_of": world.ids["Bob"]})
        assert closed.status_code == 201, closed.text
        # Ann's own slip names nobody else
        own = await world.post("Ann", "/ceus", {"description": "Podcast", "occurred_on": "2025-03-07"})
        assert own.status_code == 201 and own.json()["recorded_by"] is None, own.text

        recorded = await slips(settings, world.chapter_id)
        assert [(s["type"].split(".")[3], s.get("giver_id") or s.get("reported_by") or s.get("member_id"),
                 s["recorded_by"]) for s in recorded] == [
            ("referral-given", world.ids["Ann"], world.ids["Pat"]),
            ("closed-business-reported", world.ids["Bob"], world.ids["Pat"]),
            ("ceu-recorded", world.ids["Ann"], None)]

        # Ann is told by e-mail, in Polish, who recorded what in her name
        await wait_until(lambda: inbox.to("ann@example.com", "recorded-on-behalf"), 60, "Ann's e-mail")
        told = inbox.to("ann@example.com", "recorded-on-behalf")
        assert [m["Subject"] for m in told] == ["Pat zapisał(a) w Państwa imieniu rekomendację"]
        assert "odbiorca: Bob, temperatura 4/5, dnia 5 marca 2025" in text_of(told[0])

        async def feed(name: str) -> list[dict[str, Any]]:
            answer = await n_client.get(f"/members/{world.ids[name]}/feed", headers=world.as_(name))
            assert answer.status_code == 200, answer.text
            return [i for i in answer.json()["items"] if i["kind"] == "recorded-on-behalf"]

        await wait_until(lambda: feed("Bob"), 60, "Bob's feed item")
        bob_items = await feed("Bob")
        assert [i["title"] for i in bob_items] == ["Pat zapisał(a) w Państwa imieniu zamknięty biznes"]
        assert "1\u00a0234,50\u00a0zł" in bob_items[0]["body"] and "6 marca 2025" in bob_items[0]["body"]
        assert len(await feed("Ann")) == 1  # her own CEU told her nothing
        # Bob chose the feed only: his feed item was logged with whatever e-mail there would be (one
        # transaction), and there is none
        conn = await asyncpg.connect(settings.service_database_url("notifications"))
        try:
            channels = await conn.fetch("SELECT channel FROM n_deliveries WHERE recipient = $1 AND kind = $2",
                                        world.ids["Bob"], "recorded-on-behalf")
        finally:
            await conn.close()
        assert [r["channel"] for r in channels] == ["feed"]
        assert inbox.to("bob@example.com", "recorded-on-behalf") == []
