"""Waiting, not dying: a service started while its PostgreSQL or Kafka is still coming up (a reboot, a compose
stack, a managed database's failover) waits for it with backoff, saying in the log what it waits for, instead
of failing its start-up. Only a limit (`REFNET_STARTUP_WAIT_SECONDS`, default 300) makes it give up; a
supervisor (`refnet up`, compose's restart policy, Kubernetes) then starts it again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit

import asyncpg
from aiokafka.errors import KafkaError

log = logging.getLogger("refnet.startup")
T = TypeVar("T")

# What says "not there yet" rather than "wrong": refused or reset connections, a server starting up or shutting
# down, a full connection table, timeouts, a broker without a controller yet.
NOT_YET: tuple[type[BaseException], ...] = (
    OSError, TimeoutError, asyncpg.CannotConnectNowError, asyncpg.PostgresConnectionError,
    asyncpg.TooManyConnectionsError, asyncpg.AdminShutdownError, KafkaError)


class GaveUpWaiting(RuntimeError):
    pass


def where(url: str) -> str:
    """host:port/database of a PostgreSQL URL, without its user or password (they must not reach a log)."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 5432}{parts.path}"


async def patiently(what: str, attempt: Callable[[], Awaitable[T]], limit: float, first_delay: float = 0.5,
                    max_delay: float = 10.0) -> T:
    """`attempt()`, tried again with exponential backoff while it fails for a reason of the moment, for at most
    `limit` seconds; a warning names `what` is waited for each time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    delay, waited = first_delay, False
    while True:
        try:
            result = await attempt()
        except NOT_YET as exc:
            left = deadline - loop.time()
            if left <= 0:
                raise GaveUpWaiting(f"{what} did not answer within {limit:.0f}s (REFNET_STARTUP_WAIT_SECONDS):"
                                    f" {type(exc).__name__}: {exc}") from exc
            log.warning("waiting for %s (%s: %s); trying again in %.1fs, giving up in %.0fs", what,
                        type(exc).__name__, exc, min(delay, left), left)
            waited = True
            await asyncio.sleep(min(delay, left))
            delay = min(delay * 2, max_delay)
            continue
        if waited:
            log.warning("%s answers: starting", what)
        return result
