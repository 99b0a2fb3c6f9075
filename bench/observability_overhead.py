"""What the observability layer costs per HTTP request: latency histogram, correlation id, access log line.

The same small FastAPI app (one templated route answering JSON, as the members service's slip routes do)
is called through ASGI directly, no network, with and without `shared.operations.Observed`, the access log
written as a JSON line to /dev/null (as a service writes it to its stdout). Alternated rounds; the figure
is the median difference in CPU microseconds per request. No servers needed.

    python -m bench.observability_overhead --requests 20000
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time
from typing import Any

from fastapi import FastAPI

from bench.servers import machine
from shared.logs import JsonLines, lean_records
from shared.operations import Observed


def _open_devnull() -> Any:
    return open("/dev/null", "w")


def _app(observed: bool) -> Any:
    app = FastAPI()

    @app.post("/chapters/{chapter_id}/referrals", status_code=201)
    async def give(chapter_id: str) -> dict[str, Any]:
        return {"referral_id": "r-1", "chapter_id": chapter_id, "position": 1}

    if observed:
        app.add_middleware(Observed, service="bench")
    return app


async def _round(app: Any, requests: int) -> float:
    """CPU seconds for `requests` requests through the whole ASGI stack."""
    body = b"{}"

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(_message: dict[str, Any]) -> None:
        pass

    started = time.process_time()
    for n in range(requests):
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": f"/chapters/c-{n % 50}/referrals", "raw_path": b"", "query_string": b"",
                 "root_path": "", "headers": [(b"content-type", b"application/json"), (b"content-length", b"2")],
                 "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8001)}
        await app(scope, receive, send)
    return time.process_time() - started


async def main(requests: int, rounds: int) -> None:
    lean_records()  # as logging_config() sets up a service process
    handler = logging.StreamHandler(_open_devnull())
    handler.setFormatter(JsonLines("bench"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    plain, observed = _app(False), _app(True)
    for app in (plain, observed):  # warm up: routes compiled, histogram series created
        await _round(app, 500)
    access = logging.getLogger("refnet.access")
    costs: dict[str, list[float]] = {"plain": [], "no access log": [], "observed": []}
    for _ in range(rounds):
        costs["plain"].append(await _round(plain, requests) / requests)
        access.setLevel(logging.WARNING)  # REFNET_LOG_LEVEL=WARNING
        costs["no access log"].append(await _round(observed, requests) / requests)
        access.setLevel(logging.NOTSET)
        costs["observed"].append(await _round(observed, requests) / requests)
    base, quiet, full = (statistics.median(costs[k]) for k in ("plain", "no access log", "observed"))
    print(f"observability per HTTP request ({machine()}), {rounds} alternated rounds of {requests} requests")
    print(f"  without the layer:             {base * 1e6:7.1f} µs CPU per request")
    print(f"  histogram + correlation id:    {quiet * 1e6:7.1f} µs (+{(quiet - base) * 1e6:.1f})")
    print(f"  ... + JSON access line:        {full * 1e6:7.1f} µs (+{(full - base) * 1e6:.1f})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.rounds))
