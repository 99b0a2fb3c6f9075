"""Sending an e-mail to a visitor (recipient `visitor:<id>`): the dispatcher's branch for people who are not
members. Their name and address are opened from the sealed contact (`n_visitors`) for this e-mail only; an
erased visitor is sent nothing. No preferences and no unsubscribe link: they asked for these two messages by
registering, and they end with the meeting."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import asyncpg

from services.notifications.adapters import postgres as db
from services.notifications.adapters.smtp import smtp_failure
from services.notifications.domain.email_message import UnbuildableMessage, compose, recipient
from services.notifications.domain.rendering import Context, render
from services.notifications.service_layer.visitors import PREFIX
from shared.contracts.sealed import SealedData
from shared.visitor_contact import UnreadableContact, open_contact

if TYPE_CHECKING:
    from services.notifications.service_layer.dispatch import Dispatcher


def for_visitor(row: Mapping[str, Any]) -> bool:
    return str(row["recipient"]).startswith(PREFIX)


async def send(dispatcher: Dispatcher, row: asyncpg.Record) -> None:
    pool = dispatcher.pool
    visitor = await pool.fetchrow("SELECT * FROM n_visitors WHERE visitor_id = $1",
                                  row["recipient"].removeprefix(PREFIX))
    if visitor is None:
        await db.mark_skipped(pool, row["delivery_id"], "the visitor's data was erased")
        return
    chapter = await db.chapter(pool, row["chapter_id"])
    if chapter is None:  # its name, language and meeting time are the e-mail: it waits for the chapter
        await dispatcher._wait(row, db.WAITING_FOR_CHAPTER, row["chapter_id"])
        return
    try:
        name, address = open_contact(dispatcher.link_keys, SealedData.model_validate_json(visitor["contact"]))
        to = recipient(name, address)
    except (UnreadableContact, UnbuildableMessage, ValueError) as exc:  # never retried: no attempt would open it
        await db.mark_failed(pool, row["delivery_id"], f"cannot build the e-mail: {type(exc).__name__}")
        return
    data = {**json.loads(row["data"]), "meeting_time": chapter["meeting_time"].strftime("%H:%M")}
    ctx = Context.in_chapter(name, chapter, await db.names(pool, row["chapter_id"]))
    headers = {"Message-ID": f"<{row['delivery_id'].hex}@refnet.local>",  # stable: a resend is recognisable
               "X-Refnet-Delivery": str(row["delivery_id"]), "X-Refnet-Kind": row["kind"]}
    message = compose(dispatcher.config.mail_from, to, render(row["kind"], data, ctx), headers)
    try:
        await asyncio.wait_for(dispatcher.mailer.send(message), dispatcher.config.smtp_timeout + 5)
    except Exception as exc:
        await dispatcher._failed(row, smtp_failure(exc), dispatcher.config.email_max_attempts)
        return
    await db.mark_sent(pool, row["delivery_id"], dispatcher.clock())
