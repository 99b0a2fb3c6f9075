"""CORS for one route: the leaders' dashboard (served by the referrals service, another origin of the same site)
renews its session with `POST /sign-in/refresh` and its refresh cookie. Only that path, only the configured
origins (`REFNET_DASHBOARD_ORIGINS`), with credentials (the refresh cookie is sent and the renewed cookies are
set) and the `X-CSRF-Token` header the refresh by cookie requires: a page of another site can neither send the
SameSite=Strict cookie nor read the CSRF cookie. A request from any other origin gets no CORS headers, and the
browser keeps the answer from its page (and sends no credentials on a refused preflight)."""

from __future__ import annotations

from collections.abc import Iterable

from shared.http_edge import ASGIApp, Message, Receive, Scope, Send

PATHS = frozenset({"/sign-in/refresh"})
PREFLIGHT = [(b"access-control-allow-methods", b"POST"),
             (b"access-control-allow-headers", b"content-type, x-csrf-token"), (b"access-control-max-age", b"600")]
CREDENTIALS = (b"access-control-allow-credentials", b"true")
VARY = (b"vary", b"Origin")


class RefreshCors:
    def __init__(self, app: ASGIApp, *, origins: Iterable[str]) -> None:
        self.app, self.origins = app, frozenset(o.encode() for o in origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in PATHS:
            await self.app(scope, receive, send)
            return
        origin = asked = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value
            elif name == b"access-control-request-method":
                asked = value
        allowed = [(b"access-control-allow-origin", origin), CREDENTIALS] if origin in self.origins else []
        if scope["method"] == "OPTIONS" and asked is not None:  # a preflight: answered here, nothing else runs
            headers = [*allowed, *PREFLIGHT] if allowed and asked.upper() == b"POST" else []
            await send({"type": "http.response.start", "status": 204, "headers": [*headers, VARY]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *allowed, VARY]
            await send(message)

        await self.app(scope, receive, with_cors)
