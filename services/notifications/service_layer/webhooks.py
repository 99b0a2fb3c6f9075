"""A chapter's webhook subscriptions, as its leaders manage them: create, list, delete, redeliver."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from services.notifications.domain.webhooks import Subscription, WebhookDelivery, unknown_event_types
from services.notifications.service_layer.unit_of_work import UnitOfWork

# raises domain.webhook_targets.RefusedTarget for a URL webhooks may not go to (adapters.webhook_targets)
TargetCheck = Callable[[str], Awaitable[None]]


class UnknownEventType(ValueError):
    pass


class NoSuchSubscription(LookupError):
    pass


@dataclass(frozen=True)
class CreateSubscription:
    chapter_id: str
    url: str
    event_types: list[str]
    owner_member_id: str | None
    now: datetime


@dataclass(frozen=True)
class SubscriptionCommand:
    """Delete or redeliver (`now` is when), or read the delivery history."""

    chapter_id: str
    subscription_id: uuid.UUID
    now: datetime


@dataclass(frozen=True)
class Redelivered:
    subscription: Subscription
    redelivering: int


async def create(cmd: CreateSubscription, uow: UnitOfWork, check_target: TargetCheck) -> Subscription:
    """Raises RefusedTarget, storing nothing, for a URL reaching an address the operator did not allow."""
    unknown = unknown_event_types(cmd.event_types)
    if unknown:
        raise UnknownEventType(unknown[0])
    await check_target(cmd.url)
    subscription = Subscription.new(cmd.chapter_id, cmd.url, cmd.event_types, cmd.owner_member_id, cmd.now)
    async with uow:
        await uow.subscriptions.add(subscription)
        await uow.commit()
    return subscription


async def in_chapter(chapter_id: str, uow: UnitOfWork) -> list[Subscription]:
    async with uow:
        return await uow.subscriptions.in_chapter(chapter_id)


async def find(chapter_id: str, subscription_id: uuid.UUID, uow: UnitOfWork) -> Subscription:
    """Another chapter's subscription is as unknown as one that never was."""
    async with uow:
        return await _get(uow, chapter_id, subscription_id)


async def delete(cmd: SubscriptionCommand, uow: UnitOfWork) -> None:
    async with uow:
        subscription = await _get(uow, cmd.chapter_id, cmd.subscription_id, lock=True)
        subscription.delete(cmd.now)
        await uow.subscriptions.save(subscription)
        await uow.commit()


async def redeliver(cmd: SubscriptionCommand, uow: UnitOfWork) -> Redelivered:
    """Enable the subscription again and queue its failed deliveries (only those) to be sent again. Raises
    `SubscriptionDeleted` for a deleted one: checked holding its row, so a delete at the same moment is
    never undone."""
    async with uow:
        subscription = await _get(uow, cmd.chapter_id, cmd.subscription_id, lock=True)
        subscription.enable_again()
        await uow.subscriptions.save(subscription)
        count = await uow.subscriptions.requeue_failed(subscription.subscription_id, cmd.now)
        await uow.commit()
    return Redelivered(subscription, count)


async def deliveries(cmd: SubscriptionCommand, status: str | None, limit: int, uow: UnitOfWork
                     ) -> list[WebhookDelivery]:
    async with uow:
        await _get(uow, cmd.chapter_id, cmd.subscription_id)
        return await uow.subscriptions.deliveries(cmd.subscription_id, status, limit)


async def _get(uow: UnitOfWork, chapter_id: str, subscription_id: uuid.UUID, lock: bool = False) -> Subscription:
    subscription = await uow.subscriptions.get(chapter_id, subscription_id, lock=lock)
    if subscription is None:
        raise NoSuchSubscription(str(subscription_id))
    return subscription
