"""Webhook targets against SSRF: which addresses are refused, the check at subscription time, and the check on
the connection itself. No test here touches the network: host names resolve through a fake resolver, and the
"network" under the HTTP client is a recording stand-in, so a refusal is seen to come before any connection."""

from __future__ import annotations

import typing
from ipaddress import ip_address

import httpcore
import pytest

from services.notifications.adapters.webhook_http import MAX_RESPONSE_BYTES, WebhookFailed, WebhookPoster
from services.notifications.adapters.webhook_targets import HostNotFound, TargetGuard
from services.notifications.domain.webhook_targets import Allowance, RefusedTarget, refused_rule


@pytest.mark.parametrize(("address", "rule"), [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"), ("2002:7f00:1::", "loopback"),  # IPv4-mapped, 6to4
    ("10.0.0.1", "private"), ("172.16.3.4", "private"), ("192.168.1.1", "private"), ("fd00::1", "private"),
    ("169.254.169.254", "link-local"), ("::ffff:169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("240.0.0.1", "private"), ("64:ff9b::a00:1", "reserved"), ("100.64.0.1", "not public"),
])
def test_internal_addresses_are_refused_by_name_of_the_rule(address: str, rule: str) -> None:
    assert refused_rule(ip_address(address)) == rule


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refused_rule(ip_address(address)) is None


def resolving(table: dict[str, list[str]]) -> typing.Callable[[str, int], typing.Awaitable[list[str]]]:
    async def resolve(host: str, port: int) -> list[str]:
        if host in table:
            return table[host]
        try:
            return [str(ip_address(host))]
        except ValueError:
            raise OSError("no such host") from None
    return resolve


DNS = {"hook.example": ["93.184.216.34"], "split.example": ["93.184.216.34", "10.0.0.1"],
       "metadata.example": ["169.254.169.254"], "private.example": ["10.0.0.1"]}


def guard(allowed: str = "", allow_http: bool = False) -> TargetGuard:
    return TargetGuard(Allowance.parse(allowed), allow_http, 1.0, resolving(DNS))


async def test_a_public_https_target_is_accepted() -> None:
    await guard().check_url("https://hook.example/refnet")


@pytest.mark.parametrize(("url", "says"), [
    ("https://split.example/", "refused address (private)"),  # one internal address among public ones
    ("https://metadata.example/latest/meta-data/", "refused address (link-local)"),
    ("https://169.254.169.254/latest/meta-data/", "refused address (link-local)"),
    ("https://[::ffff:127.0.0.1]/", "refused address (loopback)"),
    ("https://[::1]:8443/", "refused address (loopback)"),
    ("http://hook.example/", "must use https"),
    ("ftp://hook.example/", "must be http(s)"),
    ("https://nowhere.example/", "host not found"),
])
async def test_refused_targets_say_why(url: str, says: str) -> None:
    with pytest.raises(RefusedTarget, match=says.replace("(", r"\(").replace(")", r"\)")):
        await guard().check_url(url)


async def test_the_operator_allows_hosts_addresses_and_networks() -> None:
    await guard(allowed="split.example").check_url("https://split.example/")
    await guard(allowed="10.0.0.0/8").check_url("https://split.example/")
    await guard(allowed="127.0.0.1", allow_http=True).check_url("http://[::ffff:127.0.0.1]:8001/chapters")
    await guard(allowed="::1").check_url("https://[::1]/")
    with pytest.raises(RefusedTarget, match="loopback"):  # allowing one address allows no other
        await guard(allowed="127.0.0.1").check_url("https://127.0.0.2/")
    with pytest.raises(RefusedTarget, match="https"):  # an allowed host still needs https unless http is allowed
        await guard(allowed="127.0.0.1").check_url("http://127.0.0.1/")


class Network(httpcore.AsyncNetworkBackend):
    """The network under the HTTP client: records where it was asked to connect, answers with `answer`."""

    def __init__(self, answer: list[bytes]) -> None:
        self.answer = answer
        self.connects: list[tuple[str, int]] = []
        self.served = 0

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        self.connects.append((host, port))
        network = self

        class Stream(httpcore.AsyncMockStream):
            async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
                chunk = await super().read(max_bytes, timeout)
                network.served += len(chunk)
                return chunk

        return Stream(list(self.answer))

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        raise AssertionError("never a unix socket")

    async def sleep(self, seconds: float) -> None:
        pass


SECRET = b"internal-admin-password=hunter2"


def answer(status: str, body: bytes) -> list[bytes]:
    return [f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n\r\n".encode(), body]


async def post(url: str, network: Network, allowed: str = "") -> str | int:
    poster = WebhookPoster(guard(allowed), timeout=2.0, connect_timeout=1.0, network=network)
    try:
        return await poster.post(url, b"{}", {"content-type": "application/json"})
    except WebhookFailed as exc:
        return str(exc)
    finally:
        await poster.close()


async def test_a_delivery_to_a_host_resolving_to_a_refused_address_never_connects() -> None:
    # names under .example only (they resolve nowhere for real): were the guard ever bypassed, the request
    # would fail in DNS rather than reach an internal address
    network = Network(answer("200 OK", SECRET))
    for url in ("https://metadata.example/latest/meta-data/", "https://split.example/",
                "https://private.example/", "https://[::ffff:127.0.0.1]/"):
        failed = await post(url, network)
        assert isinstance(failed, str) and failed.startswith("refused address ("), failed
    assert await post("http://hook.example/", network) == "the URL must use https"
    assert network.connects == []


async def test_the_connection_goes_to_the_address_checked_and_a_failure_shows_the_status_only() -> None:
    network = Network(answer("500 Internal Server Error", SECRET))
    assert await post("https://hook.example:8443/x", network) == "HTTP 500"
    assert network.connects == [("93.184.216.34", 8443)]  # not the name: no second DNS lookup to rebind
    network = Network(answer("200 OK", b"{}"))
    assert await post("https://hook.example/x", network) == 200


async def test_a_redirect_is_not_followed() -> None:
    network = Network([b"HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/\r\nContent-Length: 0\r\n\r\n"])
    assert await post("https://hook.example/x", network) == "HTTP 302"
    assert network.connects == [("93.184.216.34", 443)]


async def test_at_most_64_kb_of_an_answer_is_read() -> None:
    chunk = b"x" * 16_384
    network = Network([b"HTTP/1.1 200 OK\r\nContent-Length: 16777216\r\n\r\n"] + [chunk] * 1024)
    assert await post("https://hook.example/x", network) == 200
    assert MAX_RESPONSE_BYTES == 64 * 1024
    assert network.served <= 64 * 1024 + 2 * len(chunk)


async def test_an_unresolvable_host_fails_as_host_not_found() -> None:
    with pytest.raises(HostNotFound):
        await guard().addresses("nowhere.example", 443)
    assert await post("https://nowhere.example/", Network([])) == "host not found: the host name does not resolve"
