"""Done when: a referral recorded over the members service's HTTP API ends as an e-mail in the SMTP server's
inbox and a signed webhook at the receiver (both services in-process, real Kafka and PostgreSQL)."""

from __future__ import annotations

import httpx
from standardwebhooks import Webhook

from services.members.entrypoints.app import create_app as members_app
from shared.settings import Settings
from tests.e2e.members.conftest import ADMIN, PROSPECT, ChapterWorld, bearer, found
from tests.e2e.notifications.helpers import Clock, Inbox, Receiver, config, running_app, text_of, wait_until


async def test_referral_over_http_reaches_inbox_and_webhook(settings: Settings, clock: Clock,
                                                            smtp: tuple[Inbox, int], receiver: Receiver) -> None:
    inbox, port = smtp
    members = members_app(settings)
    async with members.router.lifespan_context(members), \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=members), base_url="http://members") as m_client, \
            running_app(settings, clock, config(port)) as (_app, n_client):
        world = ChapterWorld(m_client, await found(m_client), settings)
        for name, category in (("Ann", "Accountant"), ("Bob", "Florist")):
            assert (await world.add("admin", name, category)).status_code == 201
        hook = await n_client.post(f"/chapters/{world.chapter_id}/webhooks", headers=bearer(ADMIN), json={
            "url": receiver.url("/crm"), "event_types": ["org.refnet.members.referral-given"]})
        assert hook.status_code == 201
        given = await world.post("Ann", "/referrals", {"receiver_id": world.ids["Bob"], "referral_type": "outside",
                                                       "temperature": 4, "prospect": PROSPECT})
        assert given.status_code == 201, given.text
        await wait_until(lambda: inbox.to("bob@example.com", "referral-received"), 60, "Bob's e-mail")
        mail = inbox.to("bob@example.com", "referral-received")[0]
        assert mail["Subject"] == "Ann gave you a referral"
        assert "Jo Bloggs" not in text_of(mail), "prospect details stay in the members service"
        await wait_until(lambda: receiver.at("/crm"), 30, "the webhook")
        headers, body = receiver.at("/crm")[0]
        payload = Webhook(hook.json()["secret"]).verify(body, headers)
        assert payload["data"]["referral_id"] == given.json()["referral_id"]
