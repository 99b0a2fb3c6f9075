"""Webhooks: signed per Standard Webhooks (verified with the `standardwebhooks` package), a failing receiver
retried with backoff then marked failed and visible in the API while others keep flowing, then disabled and
its owner told."""

from __future__ import annotations

import json
import uuid
from typing import Any

from standardwebhooks import Webhook

from shared.settings import Settings
from tests.e2e.notifications.helpers import (
    Clock,
    EventSource,
    Inbox,
    Receiver,
    auth,
    chapter,
    config,
    given,
    joined,
    running_app,
    settle,
    text_of,
    token,
    wait_applied,
    wait_until,
)

PAT = "pat@example.org"


async def test_signed_delivery_retries_failure_and_disable(settings: Settings, members: EventSource, clock: Clock,
                                                           smtp: tuple[Inbox, int], receiver: Receiver) -> None:
    inbox, port = smtp
    receiver.status["/broken"] = 500
    cfg = config(port, webhook_max_attempts=3, retry_base_seconds=60, retry_cap_seconds=600,
                 webhook_disable_after_days=3)
    pat = auth(token(settings, "pat", "c1", "president"))
    async with running_app(settings, clock, cfg) as (app, client):
        ids = await members.record(chapter("c1"), joined("c1", "pat", "Pat", role="president"),
                                   joined("c1", "ann", "Ann"), joined("c1", "bob", "Bob"))
        await wait_applied(app, ids)
        crm = await client.post("/chapters/c1/webhooks", headers=pat, json={
            "url": receiver.url("/crm"), "event_types": ["org.refnet.members.referral-given"]})
        assert crm.status_code == 201, crm.text
        assert crm.json()["secret"].startswith("whsec_")
        broken = await client.post("/chapters/c1/webhooks", headers=pat, json={
            "url": receiver.url("/broken"), "event_types": ["*"]})
        broken_id = broken.json()["subscription_id"]

        [r1] = await members.record(given("c1", "r1", "ann", "bob"))
        await wait_until(lambda: receiver.at("/crm") and receiver.at("/broken"), what="first deliveries")
        headers, body = receiver.at("/crm")[0]
        payload = Webhook(crm.json()["secret"]).verify(body, headers)
        assert payload["type"] == "org.refnet.members.referral-given.v1"
        assert payload["data"]["referral_id"] == "r1" and payload["data"]["giver_id"] == "ann"
        assert "prospect" not in payload["data"], "sealed prospect details never leave"
        assert payload["event_id"] == r1
        # a tampered body does not verify
        try:
            Webhook(crm.json()["secret"]).verify(body.replace(b"r1", b"r9"), headers)
            raise AssertionError("tampered payload verified")
        except Exception as exc:
            assert "signature" in str(exc).lower()

        async def broken_history(query: str = "") -> list[dict[str, Any]]:
            got = await client.get(f"/chapters/c1/webhooks/{broken_id}/deliveries{query}", headers=pat)
            return list(got.json())

        async def first_attempt_on_record() -> bool:  # the receiver has answered 500; its record follows
            history = await broken_history()
            return bool(history and history[0]["last_error"])

        await wait_until(first_attempt_on_record, what="the failed attempt on record")
        history = await broken_history()
        assert [(d["event_id"], d["status"], d["attempts"]) for d in history] == [(r1, "pending", 1)]
        assert "HTTP 500" in history[0]["last_error"]

        async def crm_sent(count: int) -> bool:  # recorded as sent: a clock jump within a send's lease resends it
            got = await client.get(f"/chapters/c1/webhooks/{crm.json()['subscription_id']}/deliveries", headers=pat)
            return [d["status"] for d in got.json()].count("sent") == count

        # retried with backoff (the clock moves, the test does not sleep); the CRM keeps getting events meanwhile
        await wait_until(lambda: crm_sent(1), what="r1 recorded as sent to the CRM")
        clock.advance(minutes=10, seconds=1)
        await wait_until(lambda: len(receiver.at("/broken")) == 2, what="second attempt")
        [r2] = await members.record(given("c1", "r2", "bob", "ann"))
        await wait_until(lambda: len(receiver.at("/crm")) == 2, what="CRM delivery while the other fails")
        await wait_until(lambda: crm_sent(2), what="r2 recorded as sent to the CRM")
        clock.advance(minutes=10, seconds=1)
        await wait_until(lambda: len([1 for h, b in receiver.at("/broken") if json.loads(b)["event_id"] == r1]) == 3,
                         what="third attempt of r1")
        await wait_until(lambda: broken_history("?status=failed"), what="r1 given up")
        history = await broken_history("?status=failed")
        assert [(d["event_id"], d["attempts"]) for d in history][-1] == (r1, 3)
        assert "gave up after 3 attempts" in history[-1]["last_error"]
        assert len(receiver.at("/broken")) <= 6  # never more than the attempts allowed

        # r3 fails its first attempt too; then, failing for three days, the subscription is disabled by
        # whichever retry fails first, and what was still pending is marked failed with it; Pat is told
        [r3] = await members.record(given("c1", "r3", "ann", "bob"))
        await wait_until(lambda: any(json.loads(b)["event_id"] == r3 for _, b in receiver.at("/broken")),
                         what="first attempt of r3")
        await wait_until(lambda: crm_sent(3), what="r3 recorded as sent to the CRM")
        clock.advance(days=3)
        await wait_until(lambda: inbox.to(PAT, "webhook-disabled"), what="owner told of the disabled webhook")

        async def owner_told_on_record() -> bool:  # recorded as sent: a clock jump within its lease resends it
            return bool(await app.state.service.pool.fetchval(
                "SELECT count(*) FROM n_deliveries WHERE kind = 'webhook-disabled' AND channel = 'email'"
                " AND status = 'sent'"))

        await wait_until(owner_told_on_record, what="the owner's e-mail recorded as sent")
        assert receiver.url("/broken") in text_of(inbox.to(PAT, "webhook-disabled")[0])
        sub = (await client.get(f"/chapters/c1/webhooks/{broken_id}", headers=pat)).json()
        assert sub["active"] is False and sub["disabled_at"]
        await wait_until(lambda: len(receiver.at("/crm")) == 3, what="CRM still served")
        sent_to_broken = len(receiver.at("/broken"))
        clock.advance(days=1)
        await members.record(given("c1", "r4", "ann", "bob"))
        await wait_until(lambda: len(receiver.at("/crm")) == 4, what="CRM still served")
        await settle(app)
        assert len(receiver.at("/broken")) == sent_to_broken, "a disabled subscription gets nothing"

        # the receiver is fixed: its failed deliveries are sent again (same webhook-id), the subscription is
        # enabled again; what happened while it was disabled (r4) is for the subscriber to read from Kafka
        failed = (await client.get(f"/chapters/c1/webhooks/{broken_id}/deliveries?status=failed",
                                   headers=pat)).json()
        assert sorted(d["event_id"] for d in failed) == sorted([r1, r2, r3])
        receiver.status["/broken"] = 200
        assert (await client.post(f"/chapters/c1/webhooks/{broken_id}/redeliver",
                                  headers=auth(token(settings, "ann", "c1")))).status_code == 403
        again = await client.post(f"/chapters/c1/webhooks/{broken_id}/redeliver", headers=pat)
        assert again.status_code == 200, again.text
        assert again.json()["redelivering"] == 3 and again.json()["subscription"]["active"] is True
        await wait_until(lambda: len(receiver.at("/broken")) == sent_to_broken + 3, what="the failed ones again")
        resent = receiver.at("/broken")[sent_to_broken:]
        assert sorted(Webhook(broken.json()["secret"]).verify(b, h)["event_id"] for h, b in resent) == sorted(
            [r1, r2, r3])
        assert {h["webhook-id"] for h, _ in resent} == {f"msg_{uuid.UUID(d['delivery_id']).hex}" for d in failed}
        async def all_sent() -> bool:
            return sorted(d["status"] for d in await broken_history()) == ["sent", "sent", "sent"]

        await wait_until(all_sent, what="the failed ones recorded as sent")
        [r5] = await members.record(given("c1", "r5", "bob", "ann"))
        await wait_until(lambda: any(json.loads(b)["event_id"] == r5 for _, b in receiver.at("/broken")),
                         what="new events to the enabled subscription")
        assert (await client.delete(f"/chapters/c1/webhooks/{broken_id}", headers=pat)).status_code == 204
        assert (await client.post(f"/chapters/c1/webhooks/{broken_id}/redeliver", headers=pat)).status_code == 409
    crm_ids = [h["webhook-id"] for h, _ in receiver.at("/crm")]
    assert len(set(crm_ids)) == 5, "each event once to the CRM"
    assert len(inbox.to(PAT, "webhook-disabled")) == 1


async def test_webhooks_are_the_leaders_business_and_chapter_private(
        settings: Settings, members: EventSource, clock: Clock, smtp: tuple[Inbox, int], receiver: Receiver) -> None:
    _, port = smtp
    async with running_app(settings, clock, config(port)) as (_app, client):
        body = {"url": receiver.url("/x"), "event_types": ["*"]}
        ann = auth(token(settings, "ann", "c1"))
        assert (await client.post("/chapters/c1/webhooks", headers=ann, json=body)).status_code == 403
        assert (await client.post("/chapters/c1/webhooks", json=body)).status_code == 401
        pat = auth(token(settings, "pat", "c1", "president"))
        created = await client.post("/chapters/c1/webhooks", headers=pat, json=body)
        sid = created.json()["subscription_id"]
        other = auth(token(settings, "quinn", "c2", "president"))
        assert (await client.get("/chapters/c1/webhooks", headers=other)).status_code == 404
        assert (await client.get(f"/chapters/c2/webhooks/{sid}", headers=other)).status_code == 404
        assert (await client.get(f"/chapters/c2/webhooks/{sid}/deliveries", headers=other)).status_code == 404
        listed = (await client.get("/chapters/c1/webhooks", headers=pat)).json()
        assert [s["subscription_id"] for s in listed] == [sid] and "secret" not in listed[0]
        assert (await client.delete(f"/chapters/c1/webhooks/{sid}", headers=pat)).status_code == 204
        assert (await client.get(f"/chapters/c1/webhooks/{sid}", headers=pat)).json()["active"] is False
