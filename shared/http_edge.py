"""What every service's HTTP edge does before any route runs: refuse oversized bodies and callers over
their rate, set safe headers.

Pure ASGI middleware, so a body is measured before FastAPI parses it and before authentication does any
work: a client cannot make a service read (or decode, or hash a token for) a body of any size it likes.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from shared.settings import Settings

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


@dataclass(frozen=True)
class Rates:
    """Requests per second a caller may sustain (bursts of `burst_seconds` worth are allowed)."""

    writes_per_token: float = 100.0
    reads_per_token: float = 200.0
    per_address: float = 1000.0
    burst_seconds: float = 3.0


class RateLimit:
    """429 with Retry-After when a token (writes, reads) or an address (everything, whatever token it
    presents: made-up tokens cost the same) goes over its rate. Token buckets in this process's memory:
    with several processes each keeps its own, so the limits are per process."""

    def __init__(self, app: ASGIApp, *, rates: Rates, clock: Callable[[], float] = time.monotonic,
                 capacity: int = 100_000) -> None:
        self.app, self.rates, self.clock, self.capacity = app, rates, clock, capacity
        self.buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()

    def _take(self, key: tuple[str, str], rate: float) -> float:
        """Take one request from the bucket; 0 when allowed, else the seconds until one is available."""
        now, size = self.clock(), rate * self.rates.burst_seconds
        level, then = self.buckets.pop(key, (size, now))
        level = min(size, level + (now - then) * rate)
        wait = 0.0 if level >= 1 else (1 - level) / rate
        self.buckets[key] = (level - 1 if wait == 0 else level, now)
        if len(self.buckets) > self.capacity:
            self.buckets.popitem(last=False)
        return wait

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") == "/health":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        address = (scope.get("client") or ("unknown", 0))[0]
        waits = [self._take(("address", address), self.rates.per_address)]
        authorization = headers.get(b"authorization", b"")
        if authorization:
            token = "token:" + hashlib.sha256(authorization).hexdigest()[:24]
            writing = scope.get("method", "GET") not in ("GET", "HEAD", "OPTIONS")
            rate = self.rates.writes_per_token if writing else self.rates.reads_per_token
            waits.append(self._take(("write" if writing else "read", token), rate))
        wait = max(waits)
        if wait > 0:
            body = json.dumps({"detail": "too many requests: slow down and retry after the time given"}).encode()
            headers_out = [(b"content-type", b"application/json"), (b"retry-after", str(math.ceil(wait)).encode()),
                           (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 429, "headers": headers_out})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def guard(app: FastAPI, settings: Settings) -> None:
    """Install the edge on a service's app. Starlette runs the last added first: body limit, then rate
    limit, then the headers on whatever answers."""
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RateLimit, rates=Rates(settings.rate_writes_per_token, settings.rate_reads_per_token,
                                              settings.rate_per_address))
    app.add_middleware(BodyLimit, max_body=settings.max_body_bytes, max_upload=settings.max_upload_bytes)
