"""The one way every service's HTTP routes learn who is calling: a bearer token in the Authorization
header, verified locally. Never a token in a URL (URLs end up in logs, histories and Referer headers): the
dashboard's event stream uses a single-use ticket instead.

Declared as security schemes, so every OpenAPI document says how to authenticate. The services keep their
`shared.runtime.Service` on `app.state.service`: its settings hold the signing secret and the admin token,
its pool the `revocations` table this service projects.
"""

from __future__ import annotations

import hmac
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.auth import Principal, decode_token, is_revoked
from shared.runtime import Service

_bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                     description="A member's token, or the administrator's token.")

_CHALLENGE = {"WWW-Authenticate": "Bearer"}
ADMIN = Principal(member_id=None, chapter_id=None, role="admin", token_id="admin")


async def authenticate(request: Request, token: str | None) -> Principal:
    """The caller, or 401 (no, bad or revoked token)."""
    if not token:
        raise HTTPException(401, "missing bearer token (Authorization: Bearer <token>)", headers=_CHALLENGE)
    service: Service = request.app.state.service
    # constant time: a byte-by-byte comparison would tell an attacker how much of a guess was right
    if hmac.compare_digest(token.encode(), service.settings.admin_token.encode()):
        return ADMIN
    try:
        principal = decode_token(service.settings.token_keys, token)
    except jwt.PyJWTError as exc:
        raise HTTPException(401, f"invalid token: {exc}", headers=_CHALLENGE) from exc
    if await is_revoked(service.pool, principal):
        raise HTTPException(401, "token revoked", headers=_CHALLENGE)
    return principal


async def bearer_caller(request: Request,
                        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
    return await authenticate(request, credentials.credentials if credentials else None)


Caller = Annotated[Principal, Depends(bearer_caller)]
