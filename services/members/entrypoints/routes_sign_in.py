"""Sign-in by e-mail, sessions, and signing members out. Tokens are answered only to the member signing in
(or, for bootstrapping and the demo, to the administrator): never to a leader."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import APIRouter, BackgroundTasks, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse

from services.members.adapters.postgres import PostgresUnitOfWork
from services.members.entrypoints.deps import IdempotencyHeader, run, service
from services.members.service_layer import sign_in
from services.members.service_layer.commands import ExchangeCode, OpenSession, RefreshSession, RequestSignIn
from services.members.service_layer.sign_in import Issued, SignInPolicy
from services.members.service_layer.transaction import in_transaction
from shared.auth import Principal, csrf_token
from shared.http_auth import ACCESS_COOKIE, CSRF_COOKIE, CSRF_HEADER, REFRESH_COOKIE, Caller
from shared.http_errors import refusals

router = APIRouter(tags=["sign-in and sessions"])
log = logging.getLogger("refnet.members.sign_in")
R = TypeVar("R")

ANONYMOUS = Principal(member_id=None, chapter_id=None, role="member", token_id="anonymous")
ACCEPTED = {"detail": "if this address belongs to a member, a sign-in link is on its way to it"}
REFUSED = refusals(401, _401="The code or refresh token is unknown, used, expired or revoked: sign in again.")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def _transaction(request: Request, principal: Principal,
                       work: Callable[[PostgresUnitOfWork], Awaitable[R]]) -> R:
    svc = service(request)
    return await in_transaction(svc.pool, principal, work, clock=request.app.state.clock,
                                token_secret=svc.settings.token_secret)


def _policy(request: Request) -> SignInPolicy:
    return SignInPolicy.of(service(request).settings)


@router.post("/sign-in", status_code=202)
async def request_sign_in(request: Request, body: RequestSignIn, background: BackgroundTasks) -> dict[str, str]:
    """E-mail a sign-in link (valid 15 minutes, used once) to this address if it belongs to an active member.
    The answer is the same whether it does or not, and is sent before anything is looked up."""
    background.add_task(_send_links, request.app, body.email)
    return ACCEPTED


async def _send_links(app: FastAPI, email: str) -> None:
    svc = app.state.service
    try:
        await in_transaction(svc.pool, ANONYMOUS, lambda uow: sign_in.request_sign_in(email, uow, SignInPolicy.of(
            svc.settings)), clock=app.state.clock, token_secret=svc.settings.token_secret)
    except Exception:  # the caller has had their answer; the address stays out of the log
        log.exception("a sign-in link could not be recorded")


@router.post("/sign-in/exchange", responses=REFUSED)
async def exchange(request: Request, body: ExchangeCode) -> JSONResponse:
    """Exchange a link's code for a session: an access token (15 minutes) and a refresh token (60 days, used
    once). API clients get both in the body; with `cookies: true` (browsers) they are set as HttpOnly,
    Secure, SameSite=Strict cookies instead, with the `refnet_csrf` cookie whose value writes repeat in
    `X-CSRF-Token`."""
    policy = _policy(request)
    issued = await _transaction(request, ANONYMOUS, lambda uow: sign_in.exchange(body.code, body.device, uow, policy))
    if issued is None:
        raise HTTPException(401, "this sign-in link is unknown, used or expired: ask for a new one",
                            headers=_CHALLENGE)
    return _answer(issued, policy, cookies=body.cookies)


@router.post("/sign-in/refresh", responses={**REFUSED, **refusals(403, _403="Cookie refresh without the CSRF header.")})
async def refresh(request: Request, body: RefreshSession | None = None) -> Response:
    """The session's next access and refresh tokens, for its current refresh token (in the body, or the
    refresh cookie with the `X-CSRF-Token` header). The old refresh token is spent: presenting it again
    signs the session out everywhere."""
    policy = _policy(request)
    token = body.refresh_token if body is not None else None
    cookies = token is None
    if cookies:
        token = request.cookies.get(REFRESH_COOKIE)
        header, csrf = request.headers.get(CSRF_HEADER, ""), request.cookies.get(CSRF_COOKIE, "")
        if token and not (header and csrf and hmac.compare_digest(header.encode(), csrf.encode())):
            raise HTTPException(403, f"a refresh by cookie needs the {CSRF_HEADER} header equal to the "
                                     f"{CSRF_COOKIE} cookie")
    if not token:
        raise HTTPException(401, "no refresh token (in the body, or the refresh cookie)", headers=_CHALLENGE)
    issued = await _transaction(request, ANONYMOUS, lambda uow: sign_in.refresh(token, uow, policy))
    if issued is None:
        refused = JSONResponse({"detail": "this refresh token is unknown, used, expired or revoked: sign in again"},
                               status_code=401, headers=_CHALLENGE)
        return _cleared(refused) if cookies else refused
    return _answer(issued, policy, cookies=cookies)


@router.get("/me/sessions")
async def my_sessions(request: Request, principal: Caller) -> list[dict[str, Any]]:
    """The caller's open sessions: device, when opened and last refreshed, and which one is this one."""
    sessions = await _transaction(request, principal, sign_in.sessions_of_caller)
    return [{"session_id": s.session_id, "device": s.device, "created_at": s.created_at,
             "last_used_at": s.last_used_at, "expires_at": s.expires_at,
             "current": s.session_id == principal.session_id} for s in sessions]


@router.delete("/me/sessions/{session_id}", status_code=204, responses=refusals(404))
async def sign_out_session(request: Request, session_id: str, principal: Caller) -> Response:
    """Sign out one of the caller's sessions: its tokens are refused here at once, everywhere within seconds."""
    await _transaction(request, principal, lambda uow: sign_in.sign_out_own(uow, session_id))
    response = Response(status_code=204)
    return _cleared(response) if session_id == principal.session_id else response


@router.delete("/me/sessions", status_code=204)
async def sign_out_everywhere(request: Request, principal: Caller) -> Response:
    """Sign out every session of the caller (this one too)."""
    await _transaction(request, principal, lambda uow: sign_in.sign_out_own(uow, None))
    return _cleared(Response(status_code=204))


@router.post("/chapters/{chapter_id}/members/{member_id}/sign-out", status_code=200)
async def sign_out_member(request: Request, chapter_id: str, member_id: str, principal: Caller,
                          idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Sign a member out everywhere (leaders; a departed member is signed out when they leave). Nothing is
    handed to the leader; the member may sign in again by e-mail unless they left."""
    return await run(request, principal,
                     lambda uow: sign_in.sign_out_member(uow, chapter_id=chapter_id, member_id=member_id),
                     lambda ended: {"member_id": member_id, "sessions_ended": ended}, idempotency_key, status_code=200)


@router.post("/chapters/{chapter_id}/members/{member_id}/sessions", status_code=201, responses=refusals(403, 409))
async def open_session(request: Request, chapter_id: str, member_id: str, principal: Caller,
                       body: OpenSession | None = None) -> JSONResponse:
    """Open another session for a member without an e-mailed code: **the member themself** (e.g. for an API
    client, while signed in) or **the administrator** (bootstrapping, the demo). A leader or another member
    is 403: nobody receives a token for someone else. Answered like `/sign-in/exchange` (bearer tokens)."""
    policy = _policy(request)
    issued = await _transaction(request, principal, lambda uow: sign_in.open_session(
        uow, policy, chapter_id=chapter_id, member_id=member_id, device=body.device if body else None))
    return _answer(issued, policy, cookies=False, status_code=201)


router.add_api_route("/chapters/{chapter_id}/members/{member_id}/tokens", open_session, methods=["POST"],
                     status_code=201, deprecated=True, responses=refusals(403, 409),
                     summary="Open a session (formerly: mint a token); the member themself or the administrator",
                     description="Kept for old clients: the same as `.../sessions`. Leaders are refused (403).")


def _answer(issued: Issued, policy: SignInPolicy, *, cookies: bool, status_code: int = 200) -> JSONResponse:
    body: dict[str, Any] = {"session_id": issued.session_id, "member_id": issued.member_id,
                            "chapter_id": issued.chapter_id, "role": issued.role, "expires_in": issued.access_seconds,
                            "refresh_expires_at": issued.refresh_expires_at.isoformat()}
    if not cookies:
        body.update(token_type="Bearer", access_token=issued.access_token, refresh_token=issued.refresh_token)
        return JSONResponse(body, status_code=status_code, headers={"Cache-Control": "no-store"})
    csrf = csrf_token(policy.keys, issued.session_id)
    response = JSONResponse({**body, "token_type": "cookie", "csrf_token": csrf}, status_code=status_code,
                            headers={"Cache-Control": "no-store"})
    refresh_age = round(policy.refresh_days * 86400)
    for name, value, age, path, http_only in (
            (ACCESS_COOKIE, issued.access_token, issued.access_seconds, "/", True),
            (REFRESH_COOKIE, issued.refresh_token, refresh_age, "/sign-in", True),
            (CSRF_COOKIE, csrf, refresh_age, "/", False)):
        response.set_cookie(name, value, max_age=age, path=path, secure=True, httponly=http_only, samesite="strict")
    return response


def _cleared(response: Response) -> Response:
    for name, path in ((ACCESS_COOKIE, "/"), (REFRESH_COOKIE, "/sign-in"), (CSRF_COOKIE, "/")):
        response.delete_cookie(name, path=path, secure=True, httponly=name != CSRF_COOKIE, samesite="strict")
    return response
