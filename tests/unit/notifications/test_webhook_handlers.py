"""The webhook subscription handlers on a fake unit of work: create, delete, redeliver."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.domain.webhook_targets import RefusedTarget
from services.notifications.domain.webhooks import SubscriptionDeleted
from services.notifications.service_layer import webhooks as handlers
from services.notifications.service_layer.webhooks import CreateSubscription, SubscriptionCommand
from tests.unit.notifications.fakes import FakeDelivery, FakeUnitOfWork

NOW = datetime(2025, 5, 6, 9, tzinfo=UTC)


async def any_target(url: str) -> None:
    """The target check (adapters/webhook_targets.py, tested on its own) lets every URL through here."""
GIVEN = "org.refnet.members.referral-given.v1"


async def subscribed(uow: FakeUnitOfWork, chapter_id: str = "c1", types: list[str] | None = None) -> uuid.UUID:
    cmd = CreateSubscription(chapter_id, "https://example.test/hook", types or [GIVEN], "m1", NOW)
    return (await handlers.create(cmd, uow, any_target)).subscription_id


async def test_create_stores_an_active_subscription_with_a_secret() -> None:
    uow = FakeUnitOfWork()
    cmd = CreateSubscription("c1", "https://example.test/hook", [GIVEN, "*"], "m1", NOW)
    sub = await handlers.create(cmd, uow, any_target)
    assert sub.active and sub.secret.startswith("whsec_") and sub.created_at == NOW
    assert await handlers.find("c1", sub.subscription_id, uow) == sub
    assert uow.commits == 1


@pytest.mark.parametrize("types", [["member-joined.v9"], [GIVEN, "nonsense"], ["org.refnet.members"]])
async def test_create_refuses_unknown_event_types(types: list[str]) -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(handlers.UnknownEventType):
        await handlers.create(CreateSubscription("c1", "https://example.test/hook", types, "m1", NOW), uow,
                              any_target)
    assert uow.subscriptions.rows == {} and uow.commits == 0


async def test_versionless_names_and_star_are_known() -> None:
    uow = FakeUnitOfWork()
    await subscribed(uow, types=[GIVEN.rsplit(".v", 1)[0], "*"])
    assert len(uow.subscriptions.rows) == 1


async def test_another_chapters_subscription_is_not_found() -> None:
    uow = FakeUnitOfWork()
    sub_id = await subscribed(uow, "c1")
    with pytest.raises(handlers.NoSuchSubscription):
        await handlers.find("c2", sub_id, uow)
    with pytest.raises(handlers.NoSuchSubscription):
        await handlers.delete(SubscriptionCommand("c2", sub_id, NOW), uow)
    assert uow.subscriptions.rows[sub_id].active


async def test_redeliver_enables_again_and_requeues_only_failed_deliveries() -> None:
    uow = FakeUnitOfWork()
    sub_id = await subscribed(uow)
    other = await subscribed(uow)
    stored = uow.subscriptions.rows[sub_id]
    stored.active, stored.failing_since, stored.disabled_at = False, NOW - timedelta(days=4), NOW - timedelta(hours=1)
    log = uow.subscriptions.deliveries_log
    log += [FakeDelivery(sub_id, "failed", attempts=6), FakeDelivery(sub_id, "failed", attempts=6),
            FakeDelivery(sub_id, "sent"), FakeDelivery(sub_id, "skipped"), FakeDelivery(sub_id, "pending"),
            FakeDelivery(other, "failed", attempts=6)]
    later = NOW + timedelta(minutes=5)

    done = await handlers.redeliver(SubscriptionCommand("c1", sub_id, later), uow)

    assert done.redelivering == 2
    assert done.subscription.active and done.subscription.failing_since is None
    assert done.subscription.disabled_at is None
    assert uow.subscriptions.rows[sub_id].active
    assert [(d.status, d.attempts, d.next_attempt_at) for d in log] == [
        ("pending", 0, later), ("pending", 0, later), ("sent", 1, None), ("skipped", 1, None), ("pending", 1, None),
        ("failed", 6, None)]


async def test_a_deleted_subscription_stays_deleted() -> None:
    uow = FakeUnitOfWork()
    sub_id = await subscribed(uow)
    uow.subscriptions.deliveries_log.append(FakeDelivery(sub_id, "failed"))
    await handlers.delete(SubscriptionCommand("c1", sub_id, NOW), uow)
    commits = uow.commits

    with pytest.raises(SubscriptionDeleted):
        await handlers.redeliver(SubscriptionCommand("c1", sub_id, NOW + timedelta(hours=1)), uow)

    stored = uow.subscriptions.rows[sub_id]
    assert not stored.active and stored.deleted_at == NOW and stored.disabled_at == NOW
    assert uow.subscriptions.deliveries_log[0].status == "failed"
    assert uow.commits == commits
    # still listed and readable (its history stays), never active again
    assert [s.active for s in await handlers.in_chapter("c1", uow)] == [False]


async def test_delivery_history_filters_by_status() -> None:
    uow = FakeUnitOfWork()
    sub_id = await subscribed(uow)
    uow.subscriptions.deliveries_log += [FakeDelivery(sub_id, "failed"), FakeDelivery(sub_id, "sent")]
    found = await handlers.deliveries(SubscriptionCommand("c1", sub_id, NOW), "failed", 100, uow)
    assert [d.status for d in found] == ["failed"]
    with pytest.raises(handlers.NoSuchSubscription):
        await handlers.deliveries(SubscriptionCommand("c1", uuid.uuid4(), NOW), None, 100, uow)


async def test_a_refused_target_stores_nothing() -> None:
    async def refuse(url: str) -> None:
        raise RefusedTarget("refused address (link-local): webhooks may only reach public addresses")

    uow = FakeUnitOfWork()
    cmd = CreateSubscription("c1", "https://169.254.169.254/latest/meta-data/", [GIVEN], "m1", NOW)
    with pytest.raises(RefusedTarget):
        await handlers.create(cmd, uow, refuse)
    assert uow.subscriptions.rows == {} and uow.commits == 0
