"""Credentialed CORS between the services of one site: the member app (served by the members service) reads
the referrals service with the session cookie, and the leaders' dashboard (served by the referrals service)
renews its session at the members service. Only the configured origins, only the methods (and request
headers) a service allows, optionally only some paths; any other origin gets no CORS headers and the browser
keeps the answer from its page (and sends no credentials after a refused preflight). A request of a method
not allowed is served, but without CORS headers: its answer stays unreadable to the other page."""

from __future__ import annotations

from collections.abc import Iterable

from shared.http_edge import ASGIApp, Message, Receive, Scope, Send

VARY = (b"vary", b"Origin")


class CredentialedCors:
    def __init__(self, app: ASGIApp, *, origins: Iterable[str], methods: Iterable[str], headers: str = "",
                 paths: Iterable[str] | None = None) -> None:
        self.app, self.origins = app, frozenset(o.encode() for o in origins)
        self.methods = frozenset(m.upper().encode() for m in methods)
        self.paths = None if paths is None else frozenset(paths)
        self.preflight = [(b"access-control-allow-methods", b", ".join(sorted(self.methods - {b"HEAD"}))),
                          *([(b"access-control-allow-headers", headers.encode())] if headers else []),
                          (b"access-control-max-age", b"600")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.paths is not None and scope["path"] not in self.paths):
            await self.app(scope, receive, send)
            return
        origin = asked = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value
            elif name == b"access-control-request-method":
                asked = value
        allowed = [(b"access-control-allow-origin", origin), (b"access-control-allow-credentials", b"true")] \
            if origin is not None and origin in self.origins else []
        if scope["method"] == "OPTIONS" and asked is not None:  # a preflight: answered here, nothing else runs
            headers = [*allowed, *self.preflight] if allowed and asked.upper() in self.methods else []
            await send({"type": "http.response.start", "status": 204, "headers": [*headers, VARY]})
            await send({"type": "http.response.body", "body": b""})
            return
        if scope["method"].encode() not in self.methods:
            allowed = []

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *allowed, VARY]
            await send(message)

        await self.app(scope, receive, with_cors)
