"""The one way every service's HTTP routes learn who is calling: an access token, verified locally, either
as a bearer token in the Authorization header (API clients) or in the `refnet_access` cookie the members
service sets for browsers (HttpOnly, Secure, SameSite=Strict). Never a token in a URL (URLs end up in logs,
histories and Referer headers): the dashboard's event stream uses a single-use ticket instead.

A request the cookie authenticated (no Authorization header) that is not a read must also carry the
session's CSRF token in `X-CSRF-Token`, equal to the non-HttpOnly `refnet_csrf` cookie (double submit; the
token is bound to the session): a page on another site can make a browser send the cookie, never read it.

Declared as security schemes, so every OpenAPI document says how to authenticate. The services keep their
`shared.runtime.Service` on `app.state.service`: its settings hold the signing secret and the admin token,
its pool the `revocations` table this service projects.
"""

from __future__ import annotations

import hmac
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from shared.auth import Principal, csrf_matches, decode_token, is_revoked
from shared.runtime import Service

ACCESS_COOKIE = "refnet_access"
REFRESH_COOKIE = "refnet_refresh"
CSRF_COOKIE = "refnet_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                     description="A member's access token (POST /sign-in/exchange), or the administrator's token.")
_cookie = APIKeyCookie(name=ACCESS_COOKIE, auto_error=False, scheme_name="cookie",
                       description="A browser's access cookie (set by POST /sign-in/exchange with `cookies: true`); "
                                   f"writes also need the `{CSRF_HEADER}` header equal to the `{CSRF_COOKIE}` cookie.")

_CHALLENGE = {"WWW-Authenticate": "Bearer"}
ADMIN = Principal(member_id=None, chapter_id=None, role="admin", token_id="admin")


async def verify_access_token(request: Request, token: str) -> Principal:
    """A member's access token, or 401 (bad, expired or revoked)."""
    service: Service = request.app.state.service
    try:
        principal = decode_token(service.settings.token_keys, token)
    except jwt.PyJWTError as exc:
        raise HTTPException(401, f"invalid token: {exc}", headers=_CHALLENGE) from exc
    if await is_revoked(service.pool, principal):
        raise HTTPException(401, "token revoked", headers=_CHALLENGE)
    return principal


async def authenticate(request: Request, token: str | None) -> Principal:
    """The caller of a bearer token, or 401 (no, bad or revoked token)."""
    if not token:
        raise HTTPException(401, "missing bearer token (Authorization: Bearer <token>)", headers=_CHALLENGE)
    service: Service = request.app.state.service
    # constant time: a byte-by-byte comparison would tell an attacker how much of a guess was right
    if hmac.compare_digest(token.encode(), service.settings.admin_token.encode()):
        return ADMIN
    return await verify_access_token(request, token)


def check_csrf(request: Request, principal: Principal) -> None:
    """403 unless a cookie-authenticated write carries the session's CSRF token in header and cookie."""
    if request.method in SAFE_METHODS:
        return
    service: Service = request.app.state.service
    header, cookie = request.headers.get(CSRF_HEADER, ""), request.cookies.get(CSRF_COOKIE, "")
    if not (header and cookie and hmac.compare_digest(header.encode(), cookie.encode())
            and principal.session_id and csrf_matches(service.settings.token_keys, principal.session_id, header)):
        raise HTTPException(403, f"a write authenticated by cookie needs the {CSRF_HEADER} header equal to the "
                                 f"{CSRF_COOKIE} cookie")


async def bearer_caller(request: Request,
                        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
                        cookie: str | None = Depends(_cookie)) -> Principal:
    if credentials is not None or not cookie:
        return await authenticate(request, credentials.credentials if credentials else None)
    principal = await verify_access_token(request, cookie)  # never the admin token: it is no cookie's
    check_csrf(request, principal)
    return principal


Caller = Annotated[Principal, Depends(bearer_caller)]


async def caller_of(request: Request) -> Principal:
    """What `Caller` resolves to, read without FastAPI's dependency solving (the members service's lean slip
    routes): the same schemes, the same checks, the same refusals."""
    return await bearer_caller(request, await _bearer(request), await _cookie(request))
