"""HTTP: a member's notification preferences, and the unsubscribe link in every e-mail."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from services.notifications.domain import kinds as k
from services.notifications.domain import preferences as domain
from services.notifications.entrypoints.deps import Work, now, own
from services.notifications.service_layer import preferences as handlers
from shared.http_auth import Caller

router = APIRouter(tags=["preferences"])


class Preferences(BaseModel):
    channels: dict[str, list[k.Channel]] = Field(description="per kind of notification, the channels it uses")
    digest: bool = Field(description="the weekly digest before each meeting")
    email: bool = Field(description="false = no e-mail at all (unsubscribed)")

    @classmethod
    def of(cls, prefs: domain.Preferences) -> Preferences:
        return cls(channels=prefs.chosen(), digest=prefs.digest, email=not prefs.email_off)


class PreferencesUpdate(BaseModel):
    channels: dict[str, list[k.Channel]] | None = None
    digest: bool | None = None
    email: bool | None = None


@router.get("/members/{member_id}/preferences", response_model=Preferences)
async def get_preferences(member_id: str, who: Caller, uow: Work) -> Preferences:
    own(who, member_id)
    return Preferences.of(await handlers.of_member(member_id, uow))


@router.put("/members/{member_id}/preferences", response_model=Preferences)
async def put_preferences(request: Request, member_id: str, body: PreferencesUpdate, who: Caller, uow: Work
                          ) -> Preferences:
    own(who, member_id)
    cmd = handlers.ChangePreferences(member_id, now(request), body.channels, body.digest, body.email)
    try:
        return Preferences.of(await handlers.change(cmd, uow))
    except domain.UnknownKind as exc:  # the shape of FastAPI's own validation errors
        raise HTTPException(422, [{"loc": ["body", "channels", exc.kind], "msg": str(exc),
                                   "type": "value_error"}]) from None


_PAGE = "<!doctype html><html><body><h1>{title}</h1><p>{text}</p></body></html>"


async def _unsubscribe(request: Request, token: str, uow: Work) -> HTMLResponse:
    cmd = handlers.Unsubscribe(token, request.app.state.service.settings.token_secret, now(request))
    try:
        scope = await handlers.unsubscribe(cmd, uow)
    except handlers.LinkNotValid:
        return HTMLResponse(_PAGE.format(title="Link not valid", text="This unsubscribe link is not valid."), 400)
    except domain.UnknownKind:
        return HTMLResponse(_PAGE.format(title="Link not valid", text="Unknown kind."), 400)
    text = ("You will receive no more e-mail from refnet. Your in-app feed continues." if scope == domain.ALL
            else f"You will receive no more '{scope}' e-mails.")
    return HTMLResponse(_PAGE.format(title="Unsubscribed", text=text))


@router.get("/unsubscribe", response_class=HTMLResponse)
async def unsubscribe(request: Request, token: str, uow: Work) -> HTMLResponse:
    """The link in every e-mail: works without logging in (the token is signed)."""
    return await _unsubscribe(request, token, uow)


@router.post("/unsubscribe", response_class=HTMLResponse)
async def unsubscribe_one_click(request: Request, token: str, uow: Work) -> HTMLResponse:
    """RFC 8058 one-click unsubscribe (List-Unsubscribe-Post)."""
    return await _unsubscribe(request, token, uow)
