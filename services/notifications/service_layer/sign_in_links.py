"""Sign-in links (`SignInLinkRequested`): e-mailed to the member, and only e-mailed.

The link signs its holder in, so it is kept as it arrived, sealed, next to the delivery that will carry it
(`n_sign_in_links`, by the delivery's trigger), and opened with the service's token keys only to build the
e-mail, at the moment it is sent. It is never written opened: not in the delivery's data or error, the feed,
webhooks, logs or dead letters. Once the e-mail is sent or given up, or the link has expired, it is forgotten.

`sign-in`: a message of its own (`k.SIGN_IN_LINK`), sent whatever the member's preferences (they asked for
it). `welcome`: the new member's welcome e-mail (`k.WELCOME`, e-mail channel), carrying the link; the welcome
in the feed comes from `MemberJoined`, without it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from services.notifications.adapters import postgres as db
from services.notifications.domain import kinds as k
from shared.contracts.access import SignInLinkRequested
from shared.contracts.sealed import SealedData
from shared.sign_in_links import UnreadableLink, open_link


@dataclass(frozen=True)
class NotSent:
    """Why a link-carrying e-mail is not sent: skipped (nothing wrong, nothing to send) or failed."""

    skipped: bool
    reason: str  # never the link


EXPIRED = NotSent(True, "the sign-in link expired before it could be sent")
UNREADABLE = NotSent(False, "the sign-in link does not open with this service's keys")
MISSING = NotSent(False, "the sign-in link is no longer kept")


async def record(conn: asyncpg.Connection, event: SignInLinkRequested, *, trigger_id: str, now: datetime,
                 occurred_at: datetime) -> None:
    """Inside the consumer's transaction: log the e-mail and keep its link, sealed."""
    data: dict[str, Any] = {"purpose": event.purpose, "expires_at": event.expires_at.isoformat()}
    if event.purpose == "welcome":
        created = await db.notify_member(conn, trigger_id=trigger_id, member_id=event.member_id, kind=k.WELCOME,
                                         chapter_id=event.chapter_id, data={**data, "member_id": event.member_id},
                                         now=now, occurred_at=occurred_at, only=("email",))
    else:
        created = await db.notify_member(conn, trigger_id=trigger_id, member_id=event.member_id,
                                         kind=k.SIGN_IN_LINK, chapter_id=event.chapter_id, data=data, now=now,
                                         occurred_at=occurred_at, always=("email",))
    if created:
        await conn.execute("INSERT INTO n_sign_in_links VALUES ($1, $2, $3::jsonb, $4) ON CONFLICT DO NOTHING",
                           trigger_id, event.member_id, event.link.model_dump_json(), event.expires_at)
    # links past their time can never be sent: not kept any longer
    await conn.execute("DELETE FROM n_sign_in_links WHERE expires_at < $1", now)


def carries_link(row: Mapping[str, Any]) -> bool:
    """A sign-in e-mail, or a welcome logged from a sign-in link (one logged before links existed has none)."""
    return row["channel"] == "email" and (
        row["kind"] == k.SIGN_IN_LINK or (row["kind"] == k.WELCOME and "purpose" in json.loads(row["data"])))


async def opened(pool: asyncpg.Pool, row: Mapping[str, Any], keys: Sequence[str], now: datetime) -> str | NotSent:
    """The link to put in the e-mail about to be sent, or why it is not sent."""
    if datetime.fromisoformat(json.loads(row["data"])["expires_at"]) <= now:
        return EXPIRED
    sealed = await pool.fetchval("SELECT link FROM n_sign_in_links WHERE trigger_id = $1", row["trigger_id"])
    if sealed is None:
        return MISSING
    try:
        return open_link(keys, SealedData.model_validate_json(sealed))
    except (UnreadableLink, ValueError):  # a foreign or damaged seal: no detail (none would help, some could leak)
        return UNREADABLE


async def forget_when_done(pool: asyncpg.Pool, row: Mapping[str, Any]) -> None:
    """Forget the sealed link once its e-mail is no longer pending (sent, skipped or failed)."""
    await pool.execute(
        "DELETE FROM n_sign_in_links WHERE trigger_id = $1 AND NOT EXISTS (SELECT 1 FROM n_deliveries"
        " WHERE trigger_id = $1 AND channel = 'email' AND status = 'pending')", row["trigger_id"])
