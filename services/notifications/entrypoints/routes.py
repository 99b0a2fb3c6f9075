"""HTTP API: feed, preferences, unsubscribe, chapter settings, webhook subscriptions and their deliveries."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import asyncpg
from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, HttpUrl, field_validator

from services.notifications.adapters import postgres as db
from services.notifications.domain import kinds as k
from services.notifications.domain.rendering import Context, summary
from services.notifications.domain.unsubscribe import read_token
from services.notifications.domain.webhooks import new_secret
from shared.auth import LEADER_ROLES, Principal
from shared.contracts.members import members_events
from shared.contracts.referrals import referrals_events
from shared.http_auth import Caller

router = APIRouter()


def pool(request: Request) -> asyncpg.Pool:
    result: asyncpg.Pool = request.app.state.service.pool
    return result


def now(request: Request) -> datetime:
    result: datetime = request.app.state.clock()
    return result


def own(principal: Principal, member_id: str) -> None:
    """A member's feed and preferences are theirs alone: anyone else gets 404, as if there were none."""
    if not (principal.is_admin or principal.member_id == member_id):
        raise HTTPException(404, f"no member {member_id}")


async def lead(request: Request, principal: Principal, chapter_id: str) -> None:
    if not principal.belongs_to(chapter_id):
        raise HTTPException(404, f"no chapter {chapter_id}")
    if principal.can_lead(chapter_id):
        return
    role = await pool(request).fetchval("SELECT role FROM n_members WHERE member_id = $1 AND chapter_id = $2"
                                        " AND active", principal.member_id, chapter_id)
    if role not in LEADER_ROLES:
        raise HTTPException(403, "only the chapter's leaders may do this")


# --- feed -----------------------------------------------------------------------------------------

class FeedItem(BaseModel):
    id: uuid.UUID
    kind: str
    title: str
    body: str
    created_at: datetime
    read: bool
    data: dict[str, Any]


class Feed(BaseModel):
    unread: int
    items: list[FeedItem]


@router.get("/members/{member_id}/feed", tags=["feed"], response_model=Feed)
async def feed(request: Request, member_id: str, who: Caller, unread_only: bool = False,
               limit: int = Query(50, ge=1, le=500)) -> Feed:
    own(who, member_id)
    p = pool(request)
    rows = await p.fetch(
        "SELECT * FROM n_deliveries WHERE recipient = $1 AND channel = 'feed'"
        " AND ($2 = false OR read_at IS NULL) ORDER BY occurred_at DESC, seq DESC LIMIT $3",
        member_id, unread_only, limit)
    unread = await p.fetchval("SELECT count(*) FROM n_deliveries WHERE recipient = $1 AND channel = 'feed'"
                              " AND read_at IS NULL", member_id)
    items = []
    contexts: dict[str, Context] = {}
    me = await db.member(p, member_id)
    for row in rows:
        ctx = contexts.get(row["chapter_id"])
        if ctx is None:
            chapter = await db.chapter(p, row["chapter_id"])
            ctx = contexts[row["chapter_id"]] = Context(
                recipient_name=me["name"] if me else member_id,
                chapter_name=chapter["chapter_name"] if chapter else "your chapter",
                currency=chapter["currency"] if chapter else "GBP", names=await db.names(p, row["chapter_id"]),
                language=chapter["language"] if chapter else "en")
        data = json.loads(row["data"])
        title, body = summary(row["kind"], data, ctx)
        items.append(FeedItem(id=row["delivery_id"], kind=row["kind"], title=title, body=body,
                              created_at=row["created_at"], read=row["read_at"] is not None, data=data))
    return Feed(unread=unread, items=items)


@router.post("/members/{member_id}/feed/{item_id}/read", tags=["feed"], status_code=204)
async def mark_read(request: Request, member_id: str, item_id: uuid.UUID, who: Caller) -> Response:
    own(who, member_id)
    done = await pool(request).fetchval(
        "UPDATE n_deliveries SET read_at = coalesce(read_at, $3) WHERE delivery_id = $1 AND recipient = $2"
        " AND channel = 'feed' RETURNING 1", item_id, member_id, now(request))
    if not done:
        raise HTTPException(404, f"no feed item {item_id}")
    return Response(status_code=204)


@router.post("/members/{member_id}/feed/read", tags=["feed"], status_code=204)
async def mark_all_read(request: Request, member_id: str, who: Caller) -> Response:
    own(who, member_id)
    await pool(request).execute("UPDATE n_deliveries SET read_at = $2 WHERE recipient = $1 AND channel = 'feed'"
                                " AND read_at IS NULL", member_id, now(request))
    return Response(status_code=204)


# --- preferences and unsubscribe ------------------------------------------------------------------

class Preferences(BaseModel):
    channels: dict[str, list[k.Channel]] = Field(description="per kind of notification, the channels it uses")
    digest: bool = Field(description="the weekly digest before each meeting")
    email: bool = Field(description="false = no e-mail at all (unsubscribed)")


class PreferencesUpdate(BaseModel):
    channels: dict[str, list[k.Channel]] | None = None
    digest: bool | None = None
    email: bool | None = None


def _effective(prefs: dict[str, Any]) -> Preferences:
    return Preferences(channels={kind: k.channels_for(kind, prefs["channels"]) for kind in k.KINDS},
                       digest=prefs["digest"], email=not prefs["email_off"])


@router.get("/members/{member_id}/preferences", tags=["preferences"], response_model=Preferences)
async def get_preferences(request: Request, member_id: str, who: Caller) -> Preferences:
    own(who, member_id)
    return _effective(await db.preferences(pool(request), member_id))


@router.put("/members/{member_id}/preferences", tags=["preferences"], response_model=Preferences)
async def put_preferences(request: Request, member_id: str, body: PreferencesUpdate, who: Caller) -> Preferences:
    own(who, member_id)
    unknown = sorted(set(body.channels or {}) - set(k.KINDS))
    if unknown:
        raise HTTPException(422, [{"loc": ["body", "channels", unknown[0]], "msg": f"unknown kind {unknown[0]}",
                                   "type": "value_error"}])
    async with pool(request).acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"prefs:{member_id}")
        prefs = await db.preferences(conn, member_id)
        if body.channels is not None:
            prefs["channels"].update({kind: sorted(set(chs)) for kind, chs in body.channels.items()})
        if body.digest is not None:
            prefs["digest"] = body.digest
        if body.email is not None:
            prefs["email_off"] = not body.email
        await db.save_preferences(conn, member_id, prefs, now(request))
    return _effective(prefs)


_PAGE = "<!doctype html><html><body><h1>{title}</h1><p>{text}</p></body></html>"


async def _unsubscribe(request: Request, token: str) -> HTMLResponse:
    found = read_token(request.app.state.service.settings.token_secret, token)
    if found is None:
        return HTMLResponse(_PAGE.format(title="Link not valid", text="This unsubscribe link is not valid."), 400)
    member_id, scope = found
    async with pool(request).acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"prefs:{member_id}")
        prefs = await db.preferences(conn, member_id)
        if scope == "all":
            prefs["email_off"] = True
            text = "You will receive no more e-mail from refnet. Your in-app feed continues."
        elif scope in k.KINDS:
            prefs["channels"][scope] = [c for c in k.channels_for(scope, prefs["channels"]) if c != "email"]
            if scope == k.WEEKLY_DIGEST and not prefs["channels"][scope]:
                prefs["digest"] = False
            text = f"You will receive no more '{scope}' e-mails."
        else:
            return HTMLResponse(_PAGE.format(title="Link not valid", text="Unknown kind."), 400)
        await db.save_preferences(conn, member_id, prefs, now(request))
    return HTMLResponse(_PAGE.format(title="Unsubscribed", text=text))


@router.get("/unsubscribe", tags=["preferences"], response_class=HTMLResponse)
async def unsubscribe(request: Request, token: str) -> HTMLResponse:
    """The link in every e-mail: works without logging in (the token is signed)."""
    return await _unsubscribe(request, token)


@router.post("/unsubscribe", tags=["preferences"], response_class=HTMLResponse)
async def unsubscribe_one_click(request: Request, token: str) -> HTMLResponse:
    """RFC 8058 one-click unsubscribe (List-Unsubscribe-Post)."""
    return await _unsubscribe(request, token)


# --- chapter settings -----------------------------------------------------------------------------

class ChapterSettings(BaseModel):
    thank_you_enabled: bool = Field(True, description="tell the thanked member about closed business")
    absence_limit: int = Field(3, ge=0, description="absences in six months before leaders are told")
    digest_enabled: bool = True


@router.get("/chapters/{chapter_id}/settings", tags=["chapters"], response_model=ChapterSettings)
async def get_settings(request: Request, chapter_id: str, who: Caller) -> ChapterSettings:
    await lead(request, who, chapter_id)
    return ChapterSettings(**{key: value for key, value in (await db.chapter_settings(pool(request), chapter_id)
                                                            ).items() if key != "chapter_id"})


@router.put("/chapters/{chapter_id}/settings", tags=["chapters"], response_model=ChapterSettings)
async def put_settings(request: Request, chapter_id: str, body: ChapterSettings, who: Caller) -> ChapterSettings:
    await lead(request, who, chapter_id)
    await pool(request).execute(
        "INSERT INTO n_chapter_settings VALUES ($1, $2, $3, $4) ON CONFLICT (chapter_id) DO UPDATE SET"
        " thank_you_enabled = excluded.thank_you_enabled, absence_limit = excluded.absence_limit,"
        " digest_enabled = excluded.digest_enabled",
        chapter_id, body.thank_you_enabled, body.absence_limit, body.digest_enabled)
    return body


# --- webhooks -------------------------------------------------------------------------------------

# what a subscription may name: every published type, with or without its .vN suffix, or '*'
SUBSCRIBABLE = frozenset({"*"} | {name for registry in (members_events, referrals_events) for cls in registry
                                  for name in (cls.name, cls.type_name())})


class NewSubscription(BaseModel):
    url: HttpUrl
    event_types: list[str] = Field(min_length=1, description="event types (with or without .vN), or '*'")

    @field_validator("event_types")
    @classmethod
    def known_types(cls, types: list[str]) -> list[str]:
        unknown = [t for t in types if t not in SUBSCRIBABLE]
        if unknown:
            raise ValueError(f"unknown event type {unknown[0]!r}: see docs/events.md for the published types")
        return types


class Subscription(BaseModel):
    subscription_id: uuid.UUID
    chapter_id: str
    url: str
    event_types: list[str]
    active: bool
    failing_since: datetime | None
    disabled_at: datetime | None
    created_at: datetime


class CreatedSubscription(Subscription):
    secret: str = Field(description="whsec_...: verify the webhook-signature header with it; shown once")


class DeliveryView(BaseModel):
    delivery_id: uuid.UUID
    webhook_id: str
    event_type: str
    event_id: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


def _subscription(row: asyncpg.Record) -> dict[str, Any]:
    return {"subscription_id": row["subscription_id"], "chapter_id": row["chapter_id"], "url": row["url"],
            "event_types": list(row["event_types"]), "active": row["active"], "failing_since": row["failing_since"],
            "disabled_at": row["disabled_at"], "created_at": row["created_at"]}


async def _find(request: Request, chapter_id: str, subscription_id: uuid.UUID) -> asyncpg.Record:
    row = await pool(request).fetchrow("SELECT * FROM n_webhooks WHERE subscription_id = $1 AND chapter_id = $2",
                                       subscription_id, chapter_id)
    if row is None:
        raise HTTPException(404, f"no webhook subscription {subscription_id}")
    return row


@router.post("/chapters/{chapter_id}/webhooks", tags=["webhooks"], status_code=201,
             response_model=CreatedSubscription)
async def create_webhook(request: Request, chapter_id: str, body: NewSubscription, who: Caller
                         ) -> CreatedSubscription:
    await lead(request, who, chapter_id)
    row = await pool(request).fetchrow(
        "INSERT INTO n_webhooks (subscription_id, chapter_id, url, event_types, secret, owner_member_id, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
        uuid.uuid4(), chapter_id, str(body.url), body.event_types, new_secret(), who.member_id, now(request))
    return CreatedSubscription(**_subscription(row), secret=row["secret"])


@router.get("/chapters/{chapter_id}/webhooks", tags=["webhooks"], response_model=list[Subscription])
async def list_webhooks(request: Request, chapter_id: str, who: Caller) -> list[Subscription]:
    await lead(request, who, chapter_id)
    rows = await pool(request).fetch("SELECT * FROM n_webhooks WHERE chapter_id = $1 ORDER BY created_at",
                                     chapter_id)
    return [Subscription(**_subscription(r)) for r in rows]


@router.get("/chapters/{chapter_id}/webhooks/{subscription_id}", tags=["webhooks"], response_model=Subscription)
async def get_webhook(request: Request, chapter_id: str, subscription_id: uuid.UUID, who: Caller) -> Subscription:
    await lead(request, who, chapter_id)
    return Subscription(**_subscription(await _find(request, chapter_id, subscription_id)))


@router.delete("/chapters/{chapter_id}/webhooks/{subscription_id}", tags=["webhooks"], status_code=204)
async def delete_webhook(request: Request, chapter_id: str, subscription_id: uuid.UUID, who: Caller) -> Response:
    await lead(request, who, chapter_id)
    await _find(request, chapter_id, subscription_id)
    await pool(request).execute("UPDATE n_webhooks SET active = false, disabled_at = $2, deleted_at = $2"
                                " WHERE subscription_id = $1", subscription_id, now(request))
    return Response(status_code=204)


class Redelivery(BaseModel):
    subscription: Subscription
    redelivering: int = Field(description="failed deliveries queued to be sent again")


@router.post("/chapters/{chapter_id}/webhooks/{subscription_id}/redeliver", tags=["webhooks"],
             response_model=Redelivery)
async def redeliver(request: Request, chapter_id: str, subscription_id: uuid.UUID, who: Caller) -> Redelivery:
    """Once the receiver is fixed: send its failed deliveries again, each with a fresh round of attempts and
    its original `webhook-id` (so a receiver that did get one can tell), and enable the subscription again
    if it was disabled for failing. Events that happened while it was disabled were not logged for it: a
    subscriber catches up on those from the Kafka topics. A deleted subscription gets 409."""
    await lead(request, who, chapter_id)
    await _find(request, chapter_id, subscription_id)
    async with pool(request).acquire() as conn, conn.transaction():
        # checked in the update itself, so a delete at the same moment is never undone
        row = await conn.fetchrow("UPDATE n_webhooks SET active = true, failing_since = NULL, disabled_at = NULL"
                                  " WHERE subscription_id = $1 AND deleted_at IS NULL RETURNING *", subscription_id)
        if row is None:
            raise HTTPException(409, "this subscription was deleted; create a new one")
        count = await db.redeliver_failed(conn, str(subscription_id), now(request))
    return Redelivery(subscription=Subscription(**_subscription(row)), redelivering=count)


@router.get("/chapters/{chapter_id}/webhooks/{subscription_id}/deliveries", tags=["webhooks"],
            response_model=list[DeliveryView])
async def webhook_deliveries(request: Request, chapter_id: str, subscription_id: uuid.UUID, who: Caller,
                             status: str | None = Query(None, pattern="^(pending|sent|failed|skipped)$"),
                             limit: int = Query(100, ge=1, le=1000)) -> list[DeliveryView]:
    """The delivery history: failed deliveries stay visible here after the last attempt."""
    await lead(request, who, chapter_id)
    await _find(request, chapter_id, subscription_id)
    rows = await pool(request).fetch(
        "SELECT * FROM n_deliveries WHERE recipient = $1 AND channel = 'webhook' AND ($2::text IS NULL OR status = $2)"
        " ORDER BY created_at DESC, seq DESC LIMIT $3", str(subscription_id), status, limit)
    return [DeliveryView(delivery_id=r["delivery_id"], webhook_id=f"msg_{r['delivery_id'].hex}", event_type=r["kind"],
                         event_id=r["trigger_id"], status=r["status"], attempts=r["attempts"],
                         next_attempt_at=r["next_attempt_at"] if r["status"] == "pending" else None,
                         last_error=r["last_error"], created_at=r["created_at"], sent_at=r["sent_at"])
            for r in rows]
