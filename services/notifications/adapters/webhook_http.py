"""Posting webhook deliveries with httpx."""

from __future__ import annotations

import httpx


class WebhookFailed(Exception):
    pass


class WebhookPoster:
    def __init__(self, timeout: float = 5.0) -> None:
        self.client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST; a 2xx answer is success, anything else (or no answer) raises WebhookFailed."""
        try:
            response = await self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise WebhookFailed(f"{type(exc).__name__}: {exc}") from exc
        if not 200 <= response.status_code < 300:
            raise WebhookFailed(f"HTTP {response.status_code}: {response.text[:200]}")
        return response.status_code

    async def close(self) -> None:
        await self.client.aclose()
