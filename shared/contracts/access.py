"""Access events, published by the members service: revocation of tokens (projected by every service) and
sign-in links to be e-mailed (by the notifications service)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.contracts.sealed import SealedData
from shared.events import DomainEvent, EventRegistry

ACCESS = "members.access"

access_events = EventRegistry()


@access_events.register
class AccessRevoked(DomainEvent):
    """A token (by `token_id`) or every token of a member (by `member_id`) stops working."""

    name = "org.refnet.members.access-revoked"
    topic = ACCESS
    chapter_id: str
    member_id: str | None = None
    token_id: str | None = None
    reason: str


@access_events.register
class SignInLinkRequested(DomainEvent):
    """A member asked to sign in by e-mail (`sign-in`), or was just added to a chapter (`welcome`): the
    notifications service e-mails them the link, in the chapter's language. The link holds a one-time code,
    so it travels sealed for the notifications service (`shared.sign_in_links`): other subscribers learn
    that a link was sent, never the link."""

    name = "org.refnet.members.sign-in-link-requested"
    topic = ACCESS
    chapter_id: str
    member_id: str
    purpose: Literal["sign-in", "welcome"]
    link: SealedData = Field(description="the sign-in URL, sealed with a key derived from the signing secret")
    expires_at: datetime


__all__ = ["ACCESS", "AccessRevoked", "SignInLinkRequested", "access_events"]
