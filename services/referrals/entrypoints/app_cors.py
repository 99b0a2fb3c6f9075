"""CORS for the member app: its pages are served by the members service (another origin, the same site) and
read the member's scorecard and balance here with the session cookie. Reads only (GET, HEAD), only the
configured origins (`REFNET_APP_ORIGINS`, default the members service's public origin), with credentials; any
other origin gets no CORS headers and the browser keeps the answer from its page. Writes never cross: the
cookie is SameSite=Strict and a cookie write needs the CSRF header, which no preflight here allows."""

from __future__ import annotations

from collections.abc import Iterable

from shared.http_edge import ASGIApp, Message, Receive, Scope, Send

READS = (b"GET", b"HEAD")
VARY = (b"vary", b"Origin")


class AppCors:
    def __init__(self, app: ASGIApp, *, origins: Iterable[str]) -> None:
        self.app, self.origins = app, frozenset(o.encode() for o in origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = asked = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value
            elif name == b"access-control-request-method":
                asked = value
        if origin is None:
            await self.app(scope, receive, send)
            return
        allowed = [(b"access-control-allow-origin", origin), (b"access-control-allow-credentials", b"true")] \
            if origin in self.origins else []
        if scope["method"] == "OPTIONS" and asked is not None:  # a preflight: answered here, nothing else runs
            ok = allowed and asked.upper() in READS
            headers = [*allowed, (b"access-control-allow-methods", b"GET"), (b"access-control-max-age", b"600")] \
                if ok else []
            await send({"type": "http.response.start", "status": 204, "headers": [*headers, VARY]})
            await send({"type": "http.response.body", "body": b""})
            return
        if scope["method"].encode() not in READS:
            allowed = []

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *allowed, VARY]
            await send(message)

        await self.app(scope, receive, with_cors)
