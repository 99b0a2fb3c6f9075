"""Resolving a webhook target's host and holding it to the rules of `domain.webhook_targets`: once when a
subscription is created (so a refused URL is never stored) and again on every connection (a host's DNS can
change after the subscription, to an internal address).

The connection goes to the very addresses that were checked: the check lives in the network backend the
HTTP client connects through, so no second DNS lookup between check and connect can swap them (DNS
rebinding). TLS still verifies the certificate against the host name."""

from __future__ import annotations

import asyncio
import socket
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpcore
import httpx

from services.notifications.config import NotificationSettings
from services.notifications.domain.webhook_targets import Allowance, RefusedTarget, check_addresses, check_scheme

Resolver = Callable[[str, int], Awaitable[list[str]]]
DEFAULT_PORTS = {"https": 443, "http": 80}


class HostNotFound(RefusedTarget):
    def __init__(self) -> None:
        super().__init__("host not found: the host name does not resolve")


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the host resolves to (IPv4 and IPv6), in the resolver's order."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class TargetGuard:
    allowance: Allowance = field(default_factory=Allowance)
    allow_http: bool = False
    timeout: float = 5.0
    resolve: Resolver = system_resolver

    @classmethod
    def from_config(cls, config: NotificationSettings, resolve: Resolver = system_resolver) -> TargetGuard:
        return cls(Allowance.parse(config.webhook_allowed_hosts), config.webhook_allow_http,
                   config.webhook_connect_timeout, resolve)

    async def check_url(self, url: str) -> None:
        """Raises RefusedTarget (its message says why) unless webhooks may go to `url`."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            raise RefusedTarget("not a valid URL") from None
        check_scheme(parsed.scheme, self.allow_http)
        if not parsed.raw_host:
            raise RefusedTarget("the URL has no host")
        await self.addresses(parsed.raw_host.decode("ascii"), parsed.port or DEFAULT_PORTS[parsed.scheme])

    def check_scheme(self, url: str) -> None:
        check_scheme(httpx.URL(url).scheme, self.allow_http)

    async def addresses(self, host: str, port: int) -> list[str]:
        """The host's addresses, all of them allowed; else RefusedTarget."""
        host = host.strip("[]")
        try:
            async with asyncio.timeout(self.timeout):
                found = await self.resolve(host, port)
        except (OSError, TimeoutError, UnicodeError):
            raise HostNotFound() from None
        if not found:
            raise HostNotFound()
        check_addresses(host, found, self.allowance)
        return found


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the guard allows, trying each in turn."""

    def __init__(self, guard: TargetGuard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.guard = guard
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        last: Exception | None = None
        for address in await self.guard.addresses(host, port):
            try:
                return await self.inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                    socket_options=socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        raise RefusedTarget("webhooks go over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport, connecting through `GuardedBackend`; no proxy from the environment."""

    def __init__(self, guard: TargetGuard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        super().__init__(trust_env=False)
        # httpx (0.28) takes no network backend: the pool it built is replaced by one that connects through
        # the guard (tests/unit/notifications/test_webhook_targets.py fails if the guard is ever bypassed)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False), max_connections=100,
            max_keepalive_connections=20, keepalive_expiry=5.0, network_backend=GuardedBackend(guard, inner))
