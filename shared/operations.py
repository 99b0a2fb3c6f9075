"""What operators and orchestrators ask a service: is it alive, is it ready, what does it count.

- `GET /health/live`: 200 while the process answers (a liveness probe: restart it when this fails).
- `GET /health/ready`: 200 when ready for traffic, else 503 naming what is not ready (see
  `shared.readiness`); `GET /health` is the same check with the event-store positions (and a service's own
  details) added, as before.
- `GET /metrics`: Prometheus text format (see `shared.metrics`); with `REFNET_METRICS_TOKEN` set, only for
  `Authorization: Bearer <that token>`.

`Observed`, the outermost HTTP layer, times every request into the latency histogram, gives it a correlation
id (the caller's `X-Correlation-Id` if it is a plain id, else a new one; answered in the same header and
recorded in the metadata of the events the request appends) and writes one access-log line.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from shared.http_edge import Message, Receive, Scope, Send
from shared.logs import chapter_id, correlation_id, emit, new_correlation_id
from shared.metrics import Sampler, observe_request, scrape
from shared.readiness import consumer_lag, outbox_lag, readiness
from shared.runtime import Service

access_log = logging.getLogger("refnet.access")
Details = Callable[[asyncpg.Pool], Awaitable[dict[str, Any]]]
PROBES = frozenset({"/health", "/health/live", "/health/ready", "/metrics"})
NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {"description": "not ready: `not_ready` names the failed checks", "content": {"application/json": {}}}}


class Observed:
    """Latency histogram, correlation id and access log for every HTTP request (a few microseconds each)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], service: str) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        offered = next((value for name, value in scope["headers"] if name == b"x-correlation-id"), None)
        correlation = new_correlation_id(offered.decode("latin-1") if offered else None)
        echoed = (b"x-correlation-id", correlation.encode())
        status = 500
        reset = correlation_id.set(correlation)

        async def answering(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), echoed]
            await send(message)

        try:
            await self.app(scope, receive, answering)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            observe_request(self.service, scope["method"], route, status, seconds)
            level = logging.DEBUG if route in PROBES else logging.INFO
            if access_log.isEnabledFor(level):
                chapter = chapter_id.set((scope.get("path_params") or {}).get("chapter_id"))
                emit(access_log, level, "%s %s %d", (scope["method"], route, status),
                     {"method": scope["method"], "route": route, "status": status,
                      "duration_ms": round(seconds * 1000, 2)})
                chapter_id.reset(chapter)
            correlation_id.reset(reset)


def operate(app: FastAPI, service: Service, details: Details | None = None, samplers: Sequence[Sampler] = ()) -> None:
    """Add the health and metrics routes and the `Observed` layer (outermost: call it after `guard`)."""
    router = APIRouter(tags=["operations"])

    async def sample_outbox() -> list[Any]:
        return await outbox_lag(service)

    async def sample_consumers() -> list[Any]:
        return await consumer_lag(service)

    every_sampler = [sample_outbox, sample_consumers, *samplers]

    @router.get("/health/live", summary="200 while the process answers")
    async def live() -> dict[str, Any]:
        """Liveness: answers while the process serves HTTP, whatever its database or Kafka do."""
        return {"service": service.name, "status": "alive"}

    @router.get("/health/ready", summary="200 when ready for traffic, 503 naming what is not ready",
                responses=NOT_READY)
    async def ready() -> JSONResponse:
        """Readiness: database reachable, consumers assigned, outbox relay running (publishing or standing by);
        503 naming the checks that failed otherwise."""
        ok, report = await readiness(service)
        return JSONResponse(report, status_code=200 if ok else 503)

    @router.get("/health", summary="readiness, with the event-store positions",
                responses=NOT_READY)
    async def health() -> JSONResponse:
        """The readiness check with the event store's last position, the relay's published position and the
        service's own details."""
        ok, report = await readiness(service)
        if report["checks"]["database"]["ok"]:
            try:
                report["last_position"] = await service.store.last_position()
                if service.relay is not None:
                    report["published_position"] = await service.relay.position()
                if details is not None:
                    report.update(await details(service.pool))
            except Exception as exc:  # the database went away meanwhile
                ok = False
                report.update(status="not ready", not_ready=["database"])
                report["checks"]["database"] = {"ok": False, "reason": f"unreachable ({type(exc).__name__})"}
        return JSONResponse(report, status_code=200 if ok else 503)

    @router.get("/metrics", summary="Prometheus metrics (text format)", response_class=Response,
                responses={200: {"content": {"text/plain": {}}},
                           401: {"description": "REFNET_METRICS_TOKEN is set and was not presented"}})
    async def metrics(request: Request) -> Response:
        """Prometheus metrics of this process, text format (see docs/operations.md)."""
        expected = service.settings.metrics_token
        if expected:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
                return JSONResponse({"detail": "the metrics token is missing or wrong"}, status_code=401)
        return Response(await scrape(service.name, every_sampler), media_type=CONTENT_TYPE_LATEST)

    app.include_router(router)
    app.add_middleware(Observed, service=service.name)
