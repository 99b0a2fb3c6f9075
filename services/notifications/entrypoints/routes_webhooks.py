"""HTTP: a chapter's webhook subscriptions (managed by its leaders) and their delivery history."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from services.notifications.adapters.webhook_targets import TargetGuard
from services.notifications.domain.webhook_targets import RefusedTarget
from services.notifications.domain.webhooks import SubscriptionDeleted, unknown_event_types
from services.notifications.entrypoints.deps import Work, lead, now
from services.notifications.service_layer import webhooks as handlers
from services.notifications.service_layer.webhooks import SubscriptionCommand
from shared.http_auth import Caller
from shared.http_errors import invalid_field, refusals

router = APIRouter(tags=["webhooks"])


class NewSubscription(BaseModel):
    url: HttpUrl = Field(description="https, reaching only public addresses (unless the operator allows more)")
    event_types: list[str] = Field(min_length=1, description="event types (with or without .vN), or '*'")

    @field_validator("event_types")
    @classmethod
    def known_types(cls, types: list[str]) -> list[str]:
        unknown = unknown_event_types(types)
        if unknown:
            raise ValueError(f"unknown event type {unknown[0]!r}: see docs/events.md for the published types")
        return types


class Subscription(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    subscription_id: uuid.UUID
    chapter_id: str
    url: str
    event_types: list[str]
    active: bool
    failing_since: datetime | None
    disabled_at: datetime | None
    created_at: datetime


class CreatedSubscription(Subscription):
    secret: str = Field(description="whsec_...: verify the webhook-signature header with it; shown once")


class DeliveryView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    delivery_id: uuid.UUID
    webhook_id: str
    event_type: str
    event_id: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class Redelivery(BaseModel):
    subscription: Subscription
    redelivering: int = Field(description="failed deliveries queued to be sent again")


def _not_found(subscription_id: uuid.UUID) -> HTTPException:
    return HTTPException(404, f"no webhook subscription {subscription_id}")


@router.post("/chapters/{chapter_id}/webhooks", status_code=201, response_model=CreatedSubscription)
async def create_webhook(request: Request, chapter_id: str, body: NewSubscription, who: Caller, uow: Work
                         ) -> CreatedSubscription:
    """422 naming `url` when it is not https or its host resolves to an address that is not public
    (loopback, private, link-local, ...) and the operator did not allow it; nothing is stored then."""
    await lead(request, who, chapter_id)
    cmd = handlers.CreateSubscription(chapter_id, str(body.url), body.event_types, who.member_id, now(request))
    guard: TargetGuard = request.app.state.webhook_guard
    try:
        return CreatedSubscription.model_validate(await handlers.create(cmd, uow, guard.check_url))
    except RefusedTarget as exc:
        raise invalid_field("body", "url", str(exc)) from None


@router.get("/chapters/{chapter_id}/webhooks", response_model=list[Subscription])
async def list_webhooks(request: Request, chapter_id: str, who: Caller, uow: Work) -> list[Subscription]:
    await lead(request, who, chapter_id)
    return [Subscription.model_validate(sub) for sub in await handlers.in_chapter(chapter_id, uow)]


@router.get("/chapters/{chapter_id}/webhooks/{subscription_id}", response_model=Subscription)
async def get_webhook(request: Request, chapter_id: str, subscription_id: uuid.UUID, who: Caller, uow: Work
                      ) -> Subscription:
    await lead(request, who, chapter_id)
    try:
        return Subscription.model_validate(await handlers.find(chapter_id, subscription_id, uow))
    except handlers.NoSuchSubscription:
        raise _not_found(subscription_id) from None


@router.delete("/chapters/{chapter_id}/webhooks/{subscription_id}", status_code=204)
async def delete_webhook(request: Request, chapter_id: str, subscription_id: uuid.UUID, who: Caller, uow: Work
                         ) -> Response:
    await lead(request, who, chapter_id)
    try:
        await handlers.delete(SubscriptionCommand(chapter_id, subscription_id, now(request)), uow)
    except handlers.NoSuchSubscription:
        raise _not_found(subscription_id) from None
    return Response(status_code=204)


@router.post("/chapters/{chapter_id}/webhooks/{subscription_id}/redeliver", response_model=Redelivery,
             responses=refusals(409, _409="The subscription was deleted; create a new one."))
async def redeliver(request: Request, chapter_id: str, subscription_id: uuid.UUID, who: Caller, uow: Work
                    ) -> Redelivery:
    """Once the receiver is fixed: send its failed deliveries again, each with a fresh round of attempts and
    its original `webhook-id` (so a receiver that did get one can tell), and enable the subscription again
    if it was disabled for failing. Events that happened while it was disabled were not logged for it: a
    subscriber catches up on those from the Kafka topics. A deleted subscription gets 409."""
    await lead(request, who, chapter_id)
    try:
        done = await handlers.redeliver(SubscriptionCommand(chapter_id, subscription_id, now(request)), uow)
    except handlers.NoSuchSubscription:
        raise _not_found(subscription_id) from None
    except SubscriptionDeleted:
        raise HTTPException(409, "this subscription was deleted; create a new one") from None
    return Redelivery(subscription=Subscription.model_validate(done.subscription), redelivering=done.redelivering)


@router.get("/chapters/{chapter_id}/webhooks/{subscription_id}/deliveries", response_model=list[DeliveryView])
async def webhook_deliveries(request: Request, chapter_id: str, subscription_id: uuid.UUID, who: Caller, uow: Work,
                             status: str | None = Query(None, pattern="^(pending|sent|failed|skipped)$"),
                             limit: int = Query(100, ge=1, le=1000)) -> list[DeliveryView]:
    """The delivery history: failed deliveries stay visible here after the last attempt."""
    await lead(request, who, chapter_id)
    try:
        found = await handlers.deliveries(SubscriptionCommand(chapter_id, subscription_id, now(request)), status,
                                          limit, uow)
    except handlers.NoSuchSubscription:
        raise _not_found(subscription_id) from None
    return [DeliveryView.model_validate(d) for d in found]
