"""Standard Webhooks (https://www.standardwebhooks.com/) signing: what receivers verify with any of the
spec's libraries. Signature = `v1,` + base64(HMAC-SHA256(secret, f"{id}.{timestamp}.{body}"))."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

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
