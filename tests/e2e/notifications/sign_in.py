"""Sign-in link events as the members service records them: the link sealed for the notifications service."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.contracts.access import SignInLinkRequested
from shared.settings import Settings
from shared.sign_in_links import seal_link


def link_url() -> str:
    return f"https://members.refnet.test/sign-in?code={secrets.token_urlsafe(24)}"


def link_requested(settings: Settings, chapter_id: str, member_id: str, purpose: Any = "sign-in",
                   url: str | None = None, expires_at: datetime | None = None,
                   keys: Sequence[str] | None = None) -> tuple[SignInLinkRequested, str]:
    """The event and the link it seals (with `keys`, the service's own by default)."""
    url = url or link_url()
    event = SignInLinkRequested(chapter_id=chapter_id, member_id=member_id, purpose=purpose,
                                link=seal_link(keys or settings.token_keys, url),
                                expires_at=expires_at or datetime.now(UTC) + timedelta(days=7))
    return event, url


def welcome_links(settings: Settings, chapter_id: str, *member_ids: str) -> list[SignInLinkRequested]:
    """What the members service records with each new membership: the welcome e-mail's sign-in link."""
    return [link_requested(settings, chapter_id, member_id, "welcome")[0] for member_id in member_ids]
