"""Prometheus scrapes each service after real traffic: the numbers move with what happened, and no label
carries an id (a chapter id in a label would make one time series per chapter and leak it)."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

from services.notifications.config import NotificationSettings
from services.notifications.domain.email_message import OutgoingEmail
from services.notifications.entrypoints.app import create_app as notifications_app
from shared.settings import Settings
from tests.e2e.members.conftest import ChapterWorld, referral
from tests.e2e.operations.helpers import eventually, notifications, referrals, running, scrape, total

GIVEN = "org.refnet.members.referral-given.v1"
ROUTE = "/chapters/{chapter_id}/referrals"


async def test_members_metrics_count_the_slips_recorded_by_route_template(world: ChapterWorld) -> None:
    before = await scrape(world.client)
    for _ in range(3):
        assert (await world.post("Ann", "/referrals", referral(world.ids["Bob"]))).status_code == 201
    assert (await world.client.get(f"/chapters/{world.chapter_id}/referrals")).status_code == 401  # no token
    after = await scrape(world.client)

    assert total(after, "refnet_events_appended_total", type=GIVEN) - total(
        before, "refnet_events_appended_total", type=GIVEN) == 3
    requests = "refnet_http_request_duration_seconds_count"
    assert total(after, requests, route=ROUTE, method="POST", status="201") - total(
        before, requests, route=ROUTE, method="POST", status="201") == 3
    assert total(after, requests, route=ROUTE, method="GET", status="401") >= 1
    labels = {value for (_, ls) in after for _, value in ls}
    assert not any(world.chapter_id in v or world.ids["Bob"] in v for v in labels), "an id in a label"

    async def published() -> bool:
        return total(await scrape(world.client), "refnet_outbox_lag_events", service="members") == 0

    await eventually(published, "the outbox lag back to 0 once the relay published the slips")
    assert total(after, "refnet_outbox_leading", service="members") == 1


async def test_referrals_metrics_show_consumer_lag_cache_hits_and_dead_letters(world: ChapterWorld,
                                                                            settings: Settings) -> None:
    assert (await world.post("Ann", "/referrals", referral(world.ids["Bob"]))).status_code == 201
    async with running(referrals(settings)) as c, running(notifications(settings)) as notes:
        group = f"{settings.topic_prefix}.referrals.referrals"
        topic = settings.topic("members.referrals")

        async def caught_up() -> bool:
            samples = await scrape(c)
            lags = [v for (n, ls), v in samples.items()
                    if n == "refnet_consumer_lag_messages" and ("group", group) in ls and ("topic", topic) in ls]
            return bool(lags) and sum(lags) == 0

        await eventually(caught_up, "the referrals consumer's lag on members.referrals sampled and back to 0")

        leader = {"Authorization": f"Bearer {world.tokens['Pat']}"}
        cache = "refnet_report_cache_requests_total"
        before = await scrape(c)
        for _ in range(2):
            answer = await c.get(f"/chapters/{world.chapter_id}/reciprocity", params={"from": "2025-01-01"},
                                 headers=leader)
            assert answer.status_code == 200, answer.text
        after = await scrape(c)
        assert total(after, cache, report="reciprocity", result="hit") - total(
            before, cache, report="reciprocity", result="hit") == 1
        assert total(after, cache, report="reciprocity", result="miss") - total(
            before, cache, report="reciprocity", result="miss") == 1

        producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
        await producer.start()
        try:
            await producer.send_and_wait(topic, b"{not json", key=world.chapter_id.encode())
        finally:
            await producer.stop()

        async def dead_lettered() -> bool:
            return total(await scrape(c), "refnet_dead_lettered_total", consumer="referrals", topic=topic) == 1

        await eventually(dead_lettered, "the malformed message counted as dead-lettered by the referrals service")

        notifying = ("group", f"{settings.topic_prefix}.notifications.notifications")

        async def notifications_lag_sampled() -> bool:  # it consumes both other services' topics
            return any(n == "refnet_consumer_lag_messages" and notifying in ls for n, ls in await scrape(notes))

        await eventually(notifications_lag_sampled, "the notifications consumer's lag sampled")
        assert not any(n == "refnet_outbox_lag_events" and ("service", "notifications") in ls
                       for n, ls in await scrape(notes))  # it publishes nothing


class Refusing:
    """An SMTP server that refuses every message."""

    async def send(self, _message: OutgoingEmail) -> None:
        raise ConnectionRefusedError("the mail server is away")


async def test_notifications_metrics_count_deliveries_given_up(world: ChapterWorld, settings: Settings) -> None:
    """The chapter's members were e-mailed sign-in links; with the mail server refusing and one attempt allowed,
    those deliveries fail, and the gauge shows them."""
    app = notifications_app(settings, smtp=Refusing(), config=NotificationSettings(email_max_attempts=1))
    async with running(app) as notes:
        async def failed() -> bool:
            return total(await scrape(notes), "refnet_notification_deliveries", status="failed", channel="email") >= 1

        await eventually(failed, "failed e-mail deliveries in the notifications service's metrics")


async def test_with_a_metrics_token_only_its_bearer_reads_the_metrics(settings: Settings) -> None:
    token = "metrics-" + "x" * 30
    async with running(referrals(settings.model_copy(update={"metrics_token": token}))) as c:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
            refused = await c.get("/metrics", headers=headers)
            assert refused.status_code == 401 and "refnet_" not in refused.text
        allowed = await c.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert allowed.status_code == 200 and "refnet_http_request_duration_seconds" in allowed.text
        assert (await c.get("/health/live")).status_code == 200  # probes need no token
