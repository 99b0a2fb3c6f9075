"""History is not news: a chapter importing its past sends each member one summary, not one e-mail per
historical slip, and a slip keyed in weeks after it happened tells nobody; the same slip recorded on the day
still does. Their events stay on the topics, marked `imported` / `dayslate`, and webhooks carry them with
`live: false`. Members and notifications in-process, real Kafka, PostgreSQL and SMTP server."""

from __future__ import annotations

import json
from datetime import date, timedelta

import asyncpg
import httpx

from services.members.entrypoints.app import create_app as members_app
from shared.contracts.members import REFERRALS
from shared.envelope import from_kafka
from shared.settings import Settings
from tests.e2e.imports.test_import_history import run_import
from tests.e2e.members.conftest import PROSPECT, ChapterWorld, found, members_config
from tests.e2e.notifications.helpers import Clock, Inbox, config, running_app, text_of, wait_until
from tests.integration.foundation.things import read_topic

HISTORY = ("Date,Type,From,To,Referral type,Temperature,Amount,New/Repeat\n"
           + "".join(f"2024-{month:02d}-06,Referral,Ann,Bob,outside,3,,\n" for month in range(3, 11))
           + "".join(f"2024-{month:02d}-13,TYFCB,Bob,Ann,,,{month}00.00,new\n" for month in range(3, 8))
           + "2024-09-20,Referral,Bob,Pat,inside,4,,\n")


async def deliveries(settings: Settings, kind: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(settings.service_database_url("notifications"))
    try:
        return await conn.fetch("SELECT recipient, channel, data FROM n_deliveries WHERE kind = $1", kind)
    finally:
        await conn.close()


async def known_referral(settings: Settings, referral_id: str) -> bool:
    conn = await asyncpg.connect(settings.service_database_url("notifications"))
    try:
        return bool(await conn.fetchval("SELECT 1 FROM n_referrals WHERE referral_id = $1", referral_id))
    finally:
        await conn.close()


async def test_an_imported_history_and_late_slips_tell_nobody_one_by_one(settings: Settings, clock: Clock,
                                                                        smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    members = members_app(settings, members_config())
    async with members.router.lifespan_context(members), \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=members), base_url="http://members") as m_client, \
            running_app(settings, clock, config(port, news_days=7)) as (_app, _n_client):
        world = ChapterWorld(m_client, await found(m_client), settings)
        for name, category in (("Pat", "Lawyer"), ("Ann", "Accountant"), ("Bob", "Florist")):
            assert (await world.add("admin", name, category)).status_code == 201
        assert (await world.post("admin", f"/members/{world.ids['Pat']}/role", {"role": "president"})).status_code \
            == 201
        await world.sign_in("Pat")

        job = await run_import(m_client, world.chapter_id, world.as_("Pat"),
                               slips=("slips.csv", HISTORY.encode()))
        assert job["result"]["slips_by_kind"] == {"referral": 9, "closed-business": 5}

        # live: one referral today (news), one keyed in 10 days after it happened (history)
        today = date.today()
        on_time = await world.post("Ann", "/referrals", {
            "receiver_id": world.ids["Bob"], "referral_type": "outside", "temperature": 5, "prospect": PROSPECT,
            "occurred_on": today.isoformat()})
        late = await world.post("Ann", "/referrals", {
            "receiver_id": world.ids["Bob"], "referral_type": "outside", "temperature": 2, "prospect": PROSPECT,
            "occurred_on": (today - timedelta(days=10)).isoformat()})
        assert on_time.status_code == late.status_code == 201, (on_time.text, late.text)

        # every member gets one summary of the import, in the chapter's language
        for name in ("Pat", "Ann", "Bob"):
            await wait_until(lambda n=name: inbox.to(world.email(n), "history-imported"), 60, f"{name}'s summary")
        [summary] = inbox.to(world.email("Ann"), "history-imported")
        assert "from March 6, 2024 to October 6, 2024" in text_of(summary)
        assert "5 closed business slips, 9 referrals" in text_of(summary)
        # the referral recorded on the day is news for Bob; the late one and the imported ones are not
        await wait_until(lambda: inbox.to(world.email("Bob"), "referral-received"), 60, "Bob's live referral")
        await wait_until(lambda: known_referral(settings, late.json()["referral_id"]), 60, "the late slip applied")
        received = await deliveries(settings, "referral-received")
        assert {json.loads(r["data"])["referral_id"] for r in received} == {on_time.json()["referral_id"]}
        assert await deliveries(settings, "closed-business-thanks") == []
        assert len(inbox.to(world.email("Pat"), "referral-received")) == 0  # bob's imported one to Pat

        # on the topic, the events say which is which
        records = await read_topic(settings.kafka_bootstrap_servers, settings.topic(REFERRALS), 11)
        marks = {}
        for record in records:
            event = from_kafka(record.headers, record.value)
            if event.type == "org.refnet.members.referral-given.v1" and event.chapterid == world.chapter_id:
                marks[event.data["referral_id"]] = (event.imported, event.dayslate)
        assert marks[on_time.json()["referral_id"]] == (None, 0)
        assert marks[late.json()["referral_id"]] == (None, 10)
        assert sum(1 for imported, _ in marks.values() if imported) == 9
