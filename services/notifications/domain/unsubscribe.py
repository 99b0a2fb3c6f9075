"""Unsubscribe links that work without logging in: the member id and scope, signed with HMAC."""

from __future__ import annotations

import base64
import hashlib
import hmac


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(secret: str, member_id: str, scope: str) -> str:
    """`scope` is a notification kind, or `all` for every e-mail."""
    body = f"unsubscribe:{member_id}:{scope}".encode()
    mac = hmac.new(secret.encode(), body, hashlib.sha256).digest()[:18]
    return f"{_b64(body)}.{_b64(mac)}"


def read_token(secret: str, token: str) -> tuple[str, str] | None:
    """(member id, scope) when the token is genuine, else None."""
    try:
        body_part, mac_part = token.split(".", 1)
        body = _unb64(body_part)
        mac = _unb64(mac_part)
    except (ValueError, TypeError):
        return None
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()[:18]
    if not hmac.compare_digest(mac, expected):
        return None
    prefix, _, rest = body.decode(errors="replace").partition(":")
    member_id, _, scope = rest.rpartition(":")
    if prefix != "unsubscribe" or not member_id:
        return None
    return member_id, scope
