"""Webhooks against SSRF, through the API and the dispatcher: subscriptions to internal or plain-http targets
are refused (422 on `url`, nothing stored), a delivery to a host no longer allowed fails before connecting, and
what a failing receiver answers stays with it. Only loopback is ever connected to: every other refused address
is refused before any connection, which is the point."""

from __future__ import annotations

from typing import Any

import httpx

from shared.settings import Settings
from tests.e2e.notifications.helpers import (
    Clock,
    EventSource,
    Inbox,
    Receiver,
    auth,
    chapter,
    config,
    joined,
    running_app,
    token,
    wait_applied,
    wait_until,
)

SAFE_DEFAULTS = {"webhook_allow_http": False, "webhook_allowed_hosts": ""}  # what an operator gets unless told
SECRET_BODY = b'{"error": "db password is hunter2", "trace": "at internal.crm.local:5432"}'


async def refused(client: httpx.AsyncClient, headers: dict[str, str], url: str) -> str:
    """The 422's message about `url`, checking that it is about `url`."""
    got = await client.post("/chapters/c1/webhooks", headers=headers, json={"url": url, "event_types": ["*"]})
    assert got.status_code == 422, (url, got.text)
    [error] = got.json()["detail"]
    assert error["loc"] == ["body", "url"], (url, error)
    return str(error["msg"])


async def test_subscriptions_to_internal_or_plain_http_targets_are_refused(
        settings: Settings, clock: Clock, smtp: tuple[Inbox, int], receiver: Receiver) -> None:
    _, port = smtp
    pat = auth(token(settings, "pat", "c1", "president"))
    attacks = {
        "http://127.0.0.1:8001/chapters": "must use https",  # (the members service, next door)
        "http://169.254.169.254/latest/meta-data/": "must use https",
        "https://169.254.169.254/latest/meta-data/": "refused address (link-local)",
        "https://10.0.0.1/": "refused address (private)",
        "https://[::1]/": "refused address (loopback)",
        "https://[::ffff:127.0.0.1]/": "refused address (loopback)",
        "https://localhost/": "refused address (loopback)",  # a name that resolves to loopback
        "https://0.0.0.0/": "refused address (unspecified)",
        "https://224.0.0.1/": "refused address (multicast)",
        "http://example.com/hook": "must use https",
    }
    async with running_app(settings, clock, config(port, **SAFE_DEFAULTS)) as (_app, client):
        for url, rule in attacks.items():
            assert rule in await refused(client, pat, url), url
        assert (await client.get("/chapters/c1/webhooks", headers=pat)).json() == []

    # the operator allows plain http, not loopback: the address is still refused, by name or number
    async with running_app(settings, clock, config(port, webhook_allow_http=True, webhook_allowed_hosts="")
                           ) as (_app, client):
        for url in ("http://127.0.0.1:8001/chapters", f"http://localhost:{receiver.port}/x",
                    f"http://127.1:{receiver.port}/x", f"http://2130706433:{receiver.port}/x"):
            assert "refused address (loopback)" in await refused(client, pat, url), url
        assert (await client.get("/chapters/c1/webhooks", headers=pat)).json() == []
    assert receiver.received == []


async def test_what_a_failing_receiver_says_stays_with_it_and_a_host_no_longer_allowed_is_not_reached(
        settings: Settings, members: EventSource, clock: Clock, smtp: tuple[Inbox, int], receiver: Receiver) -> None:
    _, port = smtp
    pat = auth(token(settings, "pat", "c1", "president"))
    receiver.status["/crm"], receiver.body["/crm"] = 500, SECRET_BODY
    # the operator allow-lists the local receivers: 127.0.0.1 by address, and the name localhost
    allowed = config(port, webhook_max_attempts=1, webhook_allowed_hosts="127.0.0.1,localhost")
    async with running_app(settings, clock, allowed) as (app, client):
        ids = await members.record(chapter("c1"), joined("c1", "pat", "Pat", role="president"))
        await wait_applied(app, ids)
        crm = (await client.post("/chapters/c1/webhooks", headers=pat, json={
            "url": receiver.url("/crm"), "event_types": ["*"]})).json()["subscription_id"]
        hook = await client.post("/chapters/c1/webhooks", headers=pat, json={
            "url": f"http://localhost:{receiver.port}/hook", "event_types": ["*"]})
        assert hook.status_code == 201, hook.text

        async def history(subscription_id: str) -> list[dict[str, Any]]:
            got = await client.get(f"/chapters/c1/webhooks/{subscription_id}/deliveries", headers=pat)
            return list(got.json())

        async def settled(subscription_id: str) -> bool:
            return all(d["status"] in ("sent", "failed") for d in await history(subscription_id))

        await members.record(joined("c1", "ann", "Ann"))
        await wait_until(lambda: receiver.at("/hook") and receiver.at("/crm"), what="both receivers reached")
        await wait_until(lambda: settled(crm), what="the CRM's delivery given up")
        [failed] = await history(crm)
        assert failed["status"] == "failed" and failed["last_error"] == "gave up after 1 attempts: HTTP 500"
        listing = await client.get(f"/chapters/c1/webhooks/{crm}/deliveries", headers=pat)
        assert b"hunter2" not in listing.content and b"internal.crm.local" not in listing.content

    # the operator no longer allows loopback (as if the names now resolved somewhere internal): the
    # deliveries fail, naming the rule, and nothing reaches the receivers
    reached = len(receiver.received)
    clock.advance(seconds=1)  # (the newest delivery is the later one)
    refusing = config(port, webhook_max_attempts=1, webhook_allowed_hosts="")
    async with running_app(settings, clock, refusing) as (app, client):
        await members.record(joined("c1", "bob", "Bob"))
        for subscription_id in (crm, hook.json()["subscription_id"]):
            async def both_settled(sid: str = subscription_id) -> bool:
                return len(await history(sid)) == 2 and await settled(sid)

            await wait_until(both_settled, what="the second delivery given up")
            newest = max(await history(subscription_id), key=lambda d: str(d["created_at"]))
            assert (newest["status"], newest["last_error"]) == ("failed", "gave up after 1 attempts: refused address"
                                                                " (loopback): webhooks may only reach public addresses")
    assert len(receiver.received) == reached
