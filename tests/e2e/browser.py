"""Headless Chromium as every browser test opens it: Debian's `chromium` package (never a browser download),
flags that keep it off the network, and a page that reports what its Content-Security-Policy refused."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]
DESKTOP: dict[str, Any] = {"viewport": {"width": 1300, "height": 1000}}

needs_chromium = [pytest.mark.browser,
                  pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium")]


@asynccontextmanager
async def chromium(pw: Any) -> AsyncIterator[Any]:
    """A browser, closed afterwards whatever the test did."""
    browser = await pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
    try:
        yield browser
    finally:
        await browser.close()


async def new_page(browser: Any, cookies: Sequence[dict[str, Any]] = (), **context: Any) -> tuple[Any, list[str]]:
    """A page in a new context holding `cookies` (DESKTOP unless `context` says otherwise), and the list of
    what its Content-Security-Policy refuses (inline script or style, a call elsewhere), filled as it happens."""
    opened = await browser.new_context(**(context or DESKTOP))
    if cookies:
        await opened.add_cookies(list(cookies))
    page = await opened.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    return page, refused
