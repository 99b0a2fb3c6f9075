"""A member's preferences (changed by the member, or by an unsubscribe link) and a chapter's settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.notifications.domain.kinds import Channel
from services.notifications.domain.preferences import ChapterSettings, Preferences
from services.notifications.domain.unsubscribe import read_token
from services.notifications.service_layer.unit_of_work import UnitOfWork


class LinkNotValid(ValueError):
    """An unsubscribe token that is forged, damaged or not ours."""


@dataclass(frozen=True)
class ChangePreferences:
    member_id: str
    now: datetime
    channels: dict[str, list[Channel]] | None = None
    digest: bool | None = None
    email: bool | None = None


@dataclass(frozen=True)
class Unsubscribe:
    token: str
    token_secret: str
    now: datetime


async def of_member(member_id: str, uow: UnitOfWork) -> Preferences:
    async with uow:
        return await uow.preferences.get(member_id)


async def change(cmd: ChangePreferences, uow: UnitOfWork) -> Preferences:
    """Raises `UnknownKind` for a kind of notification there is none of; nothing changes then."""
    async with uow:
        preferences = await uow.preferences.get(cmd.member_id, lock=True)
        preferences.change(cmd.channels, cmd.digest, cmd.email)
        await uow.preferences.save(cmd.member_id, preferences, cmd.now)
        await uow.commit()
    return preferences


async def unsubscribe(cmd: Unsubscribe, uow: UnitOfWork) -> str:
    """Stop the e-mails the link names; returns its scope (`all` or a kind). Raises `LinkNotValid`, or
    `UnknownKind` for a genuine link to a kind this version no longer has."""
    found = read_token(cmd.token_secret, cmd.token)
    if found is None:
        raise LinkNotValid(cmd.token)
    member_id, scope = found
    async with uow:
        preferences = await uow.preferences.get(member_id, lock=True)
        preferences.stop_email(scope)
        await uow.preferences.save(member_id, preferences, cmd.now)
        await uow.commit()
    return scope


async def chapter_settings(chapter_id: str, uow: UnitOfWork) -> ChapterSettings:
    async with uow:
        return await uow.chapter_settings.get(chapter_id)


async def change_chapter_settings(chapter_id: str, settings: ChapterSettings, uow: UnitOfWork) -> ChapterSettings:
    async with uow:
        await uow.chapter_settings.save(chapter_id, settings)
        await uow.commit()
    return settings
