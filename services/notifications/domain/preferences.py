"""A member's notification preferences and a chapter's notification settings, and the rules that change them."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.notifications.domain.kinds import KINDS, WEEKLY_DIGEST, Channel, channels_for

ALL = "all"
"""The unsubscribe scope that stops every e-mail (any other scope is a kind of notification)."""


class UnknownKind(ValueError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"unknown kind {kind}")
        self.kind = kind


@dataclass
class Preferences:
    channels: dict[str, list[str]] = field(default_factory=dict)  # per kind, where the member chose
    digest: bool = True
    email_off: bool = False  # unsubscribed from every e-mail

    def channels_for(self, kind: str) -> list[Channel]:
        return channels_for(kind, self.channels, self.digest, self.email_off)

    def chosen(self) -> dict[str, list[Channel]]:
        """Per kind, the channels it uses by choice or default (before `digest` and `email_off`)."""
        return {kind: channels_for(kind, self.channels) for kind in KINDS}

    def change(self, channels: dict[str, list[Channel]] | None = None, digest: bool | None = None,
               email: bool | None = None) -> None:
        """What is given replaces what was; what is not stays."""
        unknown = sorted(set(channels or {}) - set(KINDS))
        if unknown:
            raise UnknownKind(unknown[0])
        if channels is not None:
            self.channels.update({kind: sorted(set(chosen)) for kind, chosen in channels.items()})
        if digest is not None:
            self.digest = digest
        if email is not None:
            self.email_off = not email

    def stop_email(self, scope: str) -> None:
        """An unsubscribe link: no e-mail at all, or none of one kind (the feed goes on either way). A digest
        left with no channel is switched off, so the digest setting says what happens."""
        if scope == ALL:
            self.email_off = True
            return
        if scope not in KINDS:
            raise UnknownKind(scope)
        self.channels[scope] = [c for c in channels_for(scope, self.channels) if c != "email"]
        if scope == WEEKLY_DIGEST and not self.channels[scope]:
            self.digest = False


@dataclass(frozen=True)
class ChapterSettings:
    """What a chapter's leaders chose; these defaults until they do."""

    thank_you_enabled: bool = True  # tell the thanked member about closed business
    absence_limit: int = 3  # absences in six months before leaders are told
    digest_enabled: bool = True
