"""Access events: revocation of bearer tokens, published by the members service, projected by every service."""

from __future__ import annotations

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


__all__ = ["ACCESS", "AccessRevoked", "access_events"]
