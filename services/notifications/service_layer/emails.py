"""Building a claimed e-mail delivery's message, and what the dispatcher knows about its people and chapters.

`Known` is read once per claim (see adapters/recipients.py) and used by all of the claim's e-mails: read a few
milliseconds before they are sent, as each e-mail's own reads were. A member or chapter not known at the
claim reads as unknown, and the dispatcher parks the delivery as it always did (parking checks again under
the arrival lock, so nothing that arrived meanwhile is missed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import asyncpg

from services.notifications.adapters import recipients
from services.notifications.domain import kinds as k
from services.notifications.domain.email_message import OutgoingEmail, compose, recipient
from services.notifications.domain.preferences import Preferences
from services.notifications.domain.rendering import Context, render
from services.notifications.domain.unsubscribe import make_token


@dataclass(frozen=True)
class Known:
    members: dict[str, asyncpg.Record] = field(default_factory=dict)
    chapters: dict[str, asyncpg.Record] = field(default_factory=dict)
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    preferences: dict[str, Preferences] = field(default_factory=dict)

    @classmethod
    async def of(cls, pool: asyncpg.Pool, rows: Sequence[asyncpg.Record]) -> Known:
        """What the e-mails among `rows` need: their recipients, chapters, chapters' names, preferences."""
        member_ids = {r["recipient"] for r in rows if r["channel"] == "email"}
        if not member_ids:
            return cls()
        chapter_ids = {r["chapter_id"] for r in rows if r["channel"] == "email"}
        async with pool.acquire() as conn:
            return cls(members=await recipients.members(conn, member_ids),
                       chapters=await recipients.chapters(conn, chapter_ids),
                       names=await recipients.names(conn, chapter_ids),
                       preferences=await recipients.preferences(conn, member_ids))

    def preferences_of(self, member_id: str) -> Preferences:
        return self.preferences.get(member_id) or Preferences()


@dataclass(frozen=True)
class Letterhead:
    """What every e-mail of the service shares: sender, where links point, the unsubscribe tokens' key."""

    mail_from: str
    public_url: str
    token_secret: str
    app_url: str | None = None


def message(head: Letterhead, row: asyncpg.Record, data: dict[str, Any], member: asyncpg.Record, known: Known,
            sign_in_url: str | None = None) -> OutgoingEmail:
    """`data`: the delivery's data, parsed (once, by the dispatcher). Raises UnbuildableMessage when the
    member's address cannot be an e-mail's one recipient."""
    to = recipient(member["name"], member["email"])
    base = head.public_url.rstrip("/")
    kind_token = make_token(head.token_secret, member["member_id"], row["kind"])
    all_token = make_token(head.token_secret, member["member_id"], "all")
    ctx = Context.in_chapter(member["name"], known.chapters.get(row["chapter_id"]),
                             known.names.get(row["chapter_id"], {}),
                             unsubscribe_url=f"{base}/unsubscribe?token={kind_token}", app_url=head.app_url,
                             unsubscribe_all_url=f"{base}/unsubscribe?token={all_token}", sign_in_url=sign_in_url)
    headers = {
        # stable per delivery: a resend after a crash mid-send can be recognised by the mail system
        "Message-ID": f"<{row['delivery_id'].hex}@refnet.local>",
        "X-Refnet-Delivery": str(row["delivery_id"]),
        "X-Refnet-Kind": row["kind"],
        "List-Unsubscribe": f"<{base}/unsubscribe?token={all_token}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    if row["kind"] == k.SIGN_IN_LINK:  # asked for, not subscribed to: nothing to unsubscribe from
        ctx = replace(ctx, unsubscribe_url=None, unsubscribe_all_url=None)
        del headers["List-Unsubscribe"], headers["List-Unsubscribe-Post"]
    return compose(head.mail_from, to, render(row["kind"], data, ctx), headers)
