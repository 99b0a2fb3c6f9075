"""What every service's HTTP edge does before any route runs: refuse oversized bodies, set safe headers.

Pure ASGI middleware, so a body is measured before FastAPI parses it and before authentication does any
work: a client cannot make a service read (or decode, or hash a token for) a body of any size it likes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# No inline script, nothing framed, nothing loaded from elsewhere. The generated API docs (/docs, /redoc)
# are the exception: FastAPI's pages load their scripts from a CDN, so they get the framing rule only.
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
DOCS_POLICY = "frame-ancestors 'none'"
DOCS_PATHS = ("/docs", "/redoc")


class BodyLimit:
    """413 for a body over the limit: JSON and forms `max_body`, file uploads (multipart) `max_upload`."""

    def __init__(self, app: ASGIApp, *, max_body: int, max_upload: int) -> None:
        self.app, self.max_body, self.max_upload = app, max_body, max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        multipart = headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data")
        limit = self.max_upload if multipart else self.max_body
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > limit:
                await _too_large(send, limit)
                return
            await self.app(scope, receive, send)
            return
        # no Content-Length (chunked): read up to the limit before the app sees a byte of it
        chunks: list[Message] = []
        size = 0
        while True:
            message = await receive()
            chunks.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > limit:
                await _too_large(send, limit)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return chunks.pop(0) if chunks else await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": [{"loc": ["body"], "type": "too_large",
                                   "msg": f"the request body is larger than {limit} bytes"}]}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Headers on every answer: no MIME sniffing, no referrer leaks (tokens and ids live in URLs), no framing,
    and on pages a Content-Security-Policy that allows no inline script."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_POLICY if str(scope.get("path", "")).startswith(DOCS_PATHS) else PAGE_POLICY

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                         (b"x-frame-options", b"DENY"), (b"content-security-policy", policy.encode())]
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)


def guard(app: FastAPI, *, max_body: int, max_upload: int) -> None:
    """Install the edge on a service's app (outermost last: the body limit runs first)."""
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, max_body=max_body, max_upload=max_upload)
