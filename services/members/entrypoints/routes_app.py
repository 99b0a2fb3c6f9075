"""The member app: a phone-first web app (installable, works offline) served from this service at /app.

Plain files, no build step (see README): the page, its ES modules, styles, manifest, icons and the service
worker come from `static/app/` as they are. The page may also read the referrals service (the member's
scorecard), so its Content-Security-Policy adds that origin to `connect-src`; nothing else is loosened (no
inline script or style, nothing from another origin)."""

from __future__ import annotations

import gzip
import html
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from shared.http_edge import PAGE_POLICY

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).resolve().parent / "static" / "app"
SCREENS = frozenset({"", "sign-in", "check-in", "record", "inbox", "score", "meeting", "more"})
FILE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*(\.[a-z0-9]+)+")
TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml",
         ".png": "image/png", ".webmanifest": "application/manifest+json", ".json": "application/json"}


def origin(url: str) -> str:
    """scheme://host[:port] of a URL; empty when it is not one (or would break the policy)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in parts.netloc for c in " ;,'\"<>"):
        return ""
    return f"{parts.scheme}://{parts.netloc}"


@lru_cache(maxsize=4)
def _page(referrals: str) -> str:
    return (STATIC / "index.html").read_text().replace("{{referrals}}", html.escape(referrals, quote=True))


def app_policy(referrals: str) -> str:
    return PAGE_POLICY.replace("connect-src 'self'", f"connect-src 'self' {referrals}".rstrip())


@router.get("/app")
@router.get("/app/")
@router.get("/app/{screen}")
async def app_page(request: Request, screen: str = "") -> Response:
    """The app's page for each of its screens (the app routes on the client); other names are its files."""
    zipped = "gzip" in request.headers.get("accept-encoding", "")
    if screen not in SCREENS:
        return _file(screen, zipped)
    referrals = origin(request.app.state.service.settings.referrals_public_url)
    headers = {"Content-Security-Policy": app_policy(referrals), "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    page = _page(referrals).encode()
    if zipped:
        return HTMLResponse(_gzipped(page), headers={**headers, "Content-Encoding": "gzip"})
    return HTMLResponse(page, headers=headers)


def _file(name: str, zipped: bool) -> Response:
    # a plain file name before the file system is asked anything (no '..', no '/', no NUL)
    path = (STATIC / name).resolve() if FILE_NAME.fullmatch(name) else STATIC
    if path.parent != STATIC or not path.is_file() or path.suffix not in TYPES:
        raise HTTPException(404, "no such file in the app")
    headers = {"Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if name == "sw.js":
        headers["Service-Worker-Allowed"] = "/app/"
    content = _read(path, path.stat().st_mtime_ns)
    if zipped and path.suffix != ".png":
        return Response(_gzipped(content), media_type=TYPES[path.suffix],
                        headers={**headers, "Content-Encoding": "gzip"})
    return Response(content, media_type=TYPES[path.suffix], headers=headers)


@lru_cache(maxsize=64)
def _read(path: Path, _modified: int) -> bytes:
    return path.read_bytes()


@lru_cache(maxsize=64)
def _gzipped(content: bytes) -> bytes:
    """The app's files compressed once each (a phone on a slow link downloads a quarter of the bytes)."""
    return gzip.compress(content, compresslevel=9, mtime=0)
