"""Posting webhook deliveries with httpx, through the target guard (see adapters/webhook_targets.py).

What a failure says is shown to the subscriber (the deliveries endpoint): the HTTP status or the kind of
failure only. A receiver's response body, or a connection error's text (addresses, internal names), could
carry what the subscriber should not read through us; an internal address answering is exactly the SSRF
probe the guard exists to stop."""

from __future__ import annotations

import asyncio
import ssl

import httpcore
import httpx

from services.notifications.adapters.webhook_targets import GuardedTransport, TargetGuard
from services.notifications.domain.webhook_targets import RefusedTarget

# the response body is read (so a kept-alive connection can serve the next delivery) but never kept, and a
# receiver streaming without end is cut off here
MAX_RESPONSE_BYTES = 64 * 1024


class WebhookFailed(Exception):
    """`str()` is the reason shown to the subscriber."""


class WebhookPoster:
    def __init__(self, guard: TargetGuard, timeout: float = 5.0, connect_timeout: float = 3.0,
                 network: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.guard = guard
        self.total = timeout  # the whole request, however slowly a receiver trickles its answer
        self.client = httpx.AsyncClient(transport=GuardedTransport(guard, network), follow_redirects=False,
                                        timeout=httpx.Timeout(timeout, connect=connect_timeout), trust_env=False)

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST; a 2xx answer is success, anything else (or no answer) raises WebhookFailed."""
        try:
            self.guard.check_scheme(url)  # http may have been allowed when the subscription was made
            async with asyncio.timeout(self.total):
                async with self.client.stream("POST", url, content=body, headers=headers) as response:
                    await _read_at_most(response, MAX_RESPONSE_BYTES)
        except RefusedTarget as exc:
            raise WebhookFailed(str(exc)) from None
        except TimeoutError:
            raise WebhookFailed("timeout") from None
        except httpx.HTTPError as exc:
            raise WebhookFailed(failure_kind(exc)) from None
        if not 200 <= response.status_code < 300:
            raise WebhookFailed(f"HTTP {response.status_code}")
        return response.status_code

    async def close(self) -> None:
        await self.client.aclose()


async def _read_at_most(response: httpx.Response, limit: int) -> None:
    read = 0
    async for chunk in response.aiter_raw():  # raw: a small compressed body cannot inflate past the limit
        read += len(chunk)
        if read >= limit:
            return  # leaving the stream unread closes the connection instead of reusing it


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def failure_kind(exc: httpx.HTTPError) -> str:
    """What kind of failure, in words that name nothing of the receiver's network."""
    chain = _causes(exc)
    if any(isinstance(e, httpx.TimeoutException | TimeoutError) for e in chain):
        return "timeout"
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "connection refused"
    if any(isinstance(e, ssl.SSLError) for e in chain):
        return "TLS error"
    if isinstance(exc, httpx.ConnectError):
        return "connection failed"
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return "invalid URL"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.DecodingError):
        return "invalid response"
    return "request failed"
