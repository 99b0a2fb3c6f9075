"""A browser signed in the way a leader is: the session's cookies, as `POST /sign-in/exchange` with
`cookies: true` sets them (HttpOnly, Secure, SameSite=Strict), put in the Playwright context. Browsers keep
cookies per host, not per port, so the members service's cookies reach the referrals service too."""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

import httpx
import jwt

from shared.auth import csrf_token
from shared.settings import Settings
from tests.e2e.sign_in import code_of, latest_link, request_link


def cookies_of(answer: httpx.Response) -> list[dict[str, Any]]:
    """The cookies an answer sets, as Playwright's `add_cookies` takes them (for 127.0.0.1)."""
    found: list[dict[str, Any]] = []
    for header in answer.headers.get_list("set-cookie"):
        for name, morsel in SimpleCookie(header).items():
            found.append({"name": name, "value": morsel.value, "domain": "127.0.0.1", "path": morsel["path"] or "/",
                          "httpOnly": bool(morsel["httponly"]), "secure": bool(morsel["secure"]),
                          "sameSite": "Strict"})
    return found


async def cookie_session(api: httpx.AsyncClient, settings: Settings, member_id: str,
                         email: str | None = None) -> list[dict[str, Any]]:
    """The member signs in by an e-mailed link (asked for at `email`, else their welcome link) as a browser does."""
    link = (await request_link(api, settings, member_id, email) if email is not None
            else (await latest_link(settings, member_id, "welcome"))[1])
    exchanged = await api.post("/sign-in/exchange", json={"code": code_of(link), "device": "browser test",
                                                          "cookies": True})
    assert exchanged.status_code == 200, exchanged.text
    assert "access_token" not in exchanged.json()  # a browser gets cookies, never a token in a body
    return cookies_of(exchanged)


def stand_in_cookies(settings: Settings, token: str) -> list[dict[str, Any]]:
    """The access and CSRF cookies of a stand-in token (tests without a members service)."""
    session = jwt.decode(token, options={"verify_signature": False})["sid"]
    return [{"name": "refnet_access", "value": token, "domain": "127.0.0.1", "path": "/", "httpOnly": True,
             "secure": True, "sameSite": "Strict"},
            {"name": "refnet_csrf", "value": csrf_token(settings.token_keys, session), "domain": "127.0.0.1",
             "path": "/", "httpOnly": False, "secure": True, "sameSite": "Strict"}]
