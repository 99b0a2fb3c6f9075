"""Standard Webhooks (https://www.standardwebhooks.com/) signing: what receivers verify with any of the
spec's libraries. Signature = `v1,` + base64(HMAC-SHA256(secret, f"{id}.{timestamp}.{body}"))."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from shared.contracts.members import members_events
from shared.contracts.referrals import referrals_events

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, msg_id, timestamp, body),
        "content-type": "application/json",
    }


def matches(subscribed: list[str], event_type: str) -> bool:
    """A subscription names full types (`...referral-given.v1`), versionless names, or `*`."""
    base = event_type.rsplit(".v", 1)[0]
    return any(s in ("*", event_type, base) for s in subscribed)


def message_id(delivery_id: uuid.UUID) -> str:
    """The `webhook-id` of a delivery: the same on every attempt, so a receiver can drop a repeat."""
    return f"msg_{delivery_id.hex}"


# what a subscription may name: every published type, with or without its .vN suffix, or '*'
SUBSCRIBABLE = frozenset({"*"} | {name for registry in (members_events, referrals_events) for cls in registry
                                  for name in (cls.name, cls.type_name())})


def unknown_event_types(types: list[str]) -> list[str]:
    return [t for t in types if t not in SUBSCRIBABLE]


class SubscriptionDeleted(Exception):
    """A deleted subscription stays deleted: nothing enables it again."""


@dataclass
class Subscription:
    """A chapter's webhook subscription. Disabled (not `active`) by its owner's delete, or by failing for
    days; only the second is undone by a redelivery."""

    subscription_id: uuid.UUID
    chapter_id: str
    url: str
    event_types: list[str]
    secret: str
    owner_member_id: str | None
    created_at: datetime
    active: bool = True
    failing_since: datetime | None = None
    disabled_at: datetime | None = None
    deleted_at: datetime | None = None

    @classmethod
    def new(cls, chapter_id: str, url: str, event_types: list[str], owner_member_id: str | None,
            now: datetime) -> Subscription:
        return cls(subscription_id=uuid.uuid4(), chapter_id=chapter_id, url=url, event_types=list(event_types),
                   secret=new_secret(), owner_member_id=owner_member_id, created_at=now)

    def delete(self, now: datetime) -> None:
        self.active = False
        self.disabled_at = self.deleted_at = now

    def enable_again(self) -> None:
        if self.deleted_at is not None:
            raise SubscriptionDeleted(str(self.subscription_id))
        self.active, self.failing_since, self.disabled_at = True, None, None


@dataclass(frozen=True)
class WebhookDelivery:
    """One event's delivery to a subscription, as its history shows it."""

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
