"""What every service's HTTP edge does before any route runs: refuse oversized bodies and callers over
their rate, set safe headers.

One pure ASGI layer, so a body is measured before FastAPI parses it and before authentication does any
work: a client cannot make a service read (or decode, or verify a token for) a body of any size it likes.
It sits in front of every request of the busiest write path, so it reads the headers once and allocates
little (measured: three separate layers cost the members service 0.17 ms of CPU per slip).
"""

from __future__ import annotations

import json
import math
import time
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
_COMMON = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY")]
PAGE_HEADERS = [*_COMMON, (b"content-security-policy", PAGE_POLICY.encode())]
DOCS_HEADERS = [*_COMMON, (b"content-security-policy", DOCS_POLICY.encode())]
READING = frozenset({"GET", "HEAD", "OPTIONS"})
UNLIMITED = ("/health", "/metrics")
"""Probes and scrapes (an orchestrator's, Prometheus'): never refused for their rate."""


@dataclass(frozen=True)
class Rates:
    """Requests per second a caller may sustain (bursts of `burst_seconds` worth are allowed)."""

    writes_per_token: float = 100.0
    reads_per_token: float = 200.0
    per_address: float = 1000.0
    burst_seconds: float = 3.0
    sign_in_per_minute: float = 10.0
    """Asking for a sign-in link (`POST /sign-in`) sends an e-mail: per address, a burst of
    `SIGN_IN_BURST`, then this many a minute."""
    visit_per_minute: float = 10.0
    """A visitor registering on a chapter's public page (`POST /visit/...`): likewise, per address."""


SIGN_IN_BURST = 5


class Buckets:
    """Token buckets in this process's memory: with several processes each keeps its own, so the limits
    are per process. Bounded: past `capacity` callers the oldest half is forgotten (they start full)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, capacity: int = 100_000) -> None:
        self.clock, self.capacity = clock, capacity
        self.levels: dict[Any, tuple[float, float]] = {}

    def take(self, key: Any, rate: float, burst_seconds: float) -> float:
        """Take one request; 0 when allowed, else the seconds until one is available."""
        now, size = self.clock(), rate * burst_seconds
        level, then = self.levels.get(key, (size, now))
        level = min(size, level + (now - then) * rate)
        if level >= 1:
            self.levels[key] = (level - 1, now)
            if len(self.levels) > self.capacity:
                for old in list(self.levels)[: self.capacity // 2]:
                    del self.levels[old]
            return 0.0
        self.levels[key] = (level, now)
        return (1 - level) / rate


class Edge:
    """413 for a body over the limit (JSON and forms `max_body`, file uploads `max_upload`); 429 with
    Retry-After for a token over its rate (writes, reads) or an address over its rate (everything, whatever
    token it presents: made-up tokens cost the same); security headers on every answer."""

    def __init__(self, app: ASGIApp, *, max_body: int, max_upload: int, rates: Rates,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app, self.max_body, self.max_upload, self.rates = app, max_body, max_upload, rates
        self.buckets = Buckets(clock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = content_type = authorization = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"content-type":
                content_type = value
            elif name == b"authorization":
                authorization = value
        limit = self.max_upload if content_type and content_type[:19].lower() == b"multipart/form-data" else \
            self.max_body
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _refuse(send, 413, {"detail": [{"loc": ["body"], "type": "too_large",
                                                  "msg": f"the request body is larger than {limit} bytes"}]})
            return
        if not scope["path"].startswith(UNLIMITED):
            wait = self._wait(scope, authorization)
            if wait > 0:
                await _refuse(send, 429, {"detail": "too many requests: slow down and retry after the time given"},
                              [(b"retry-after", str(math.ceil(wait)).encode())])
                return
        if length is None and scope["method"] not in READING:
            measured = await _measured(receive, send, limit)
            if measured is None:
                return
            receive = measured
        headers = DOCS_HEADERS if scope["path"].startswith(DOCS_PATHS) else PAGE_HEADERS

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = list(message.get("headers", ()))
                # a route that set its own policy (the dashboard page: it may connect to the members
                # service) keeps it; every other answer gets the strict one
                added = headers if not any(n.lower() == b"content-security-policy" for n, _ in own) else \
                    [h for h in headers if h[0] != b"content-security-policy"]
                message["headers"] = [*own, *added]
            await send(message)

        await self.app(scope, receive, with_headers)

    def _wait(self, scope: Scope, authorization: bytes | None) -> float:
        rates, client = self.rates, scope.get("client")
        wait = self.buckets.take(("address", client[0] if client else "unknown"), rates.per_address,
                                 rates.burst_seconds)
        if scope["path"] == "/sign-in" and scope["method"] == "POST":
            per_second = rates.sign_in_per_minute / 60
            wait = max(wait, self.buckets.take(("sign-in", client[0] if client else "unknown"), per_second,
                                               SIGN_IN_BURST / per_second))
        if scope["path"].startswith("/visit/") and scope["method"] == "POST":
            per_second = rates.visit_per_minute / 60
            wait = max(wait, self.buckets.take(("visit", client[0] if client else "unknown"), per_second,
                                               SIGN_IN_BURST / per_second))
        if authorization:
            writing = scope["method"] not in READING
            key = (writing, authorization)  # the token itself: kept only in this process's memory, as in requests
            rate = rates.writes_per_token if writing else rates.reads_per_token
            wait = max(wait, self.buckets.take(key, rate, rates.burst_seconds))
        return wait


async def _measured(receive: Receive, send: Send, limit: int) -> Receive | None:
    """A body without Content-Length (chunked) is read up to the limit before the app sees a byte of it."""
    chunks: list[Message] = []
    size = 0
    while True:
        message = await receive()
        chunks.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if size > limit:
            await _refuse(send, 413, {"detail": [{"loc": ["body"], "type": "too_large",
                                                  "msg": f"the request body is larger than {limit} bytes"}]})
            return None
        if not message.get("more_body", False):
            break

    async def replay() -> Message:
        return chunks.pop(0) if chunks else await receive()

    return replay


async def _refuse(send: Send, status: int, body: Any, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    content = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode()),
                            *(extra or []), *PAGE_HEADERS]})
    await send({"type": "http.response.body", "body": content})


def guard(app: FastAPI, settings: Settings) -> None:
    """Install the edge on a service's app, outermost."""
    app.add_middleware(Edge, max_body=settings.max_body_bytes, max_upload=settings.max_upload_bytes,
                       rates=Rates(settings.rate_writes_per_token, settings.rate_reads_per_token,
                                   settings.rate_per_address, sign_in_per_minute=settings.rate_sign_in_per_minute,
                                   visit_per_minute=settings.rate_visit_per_minute))
