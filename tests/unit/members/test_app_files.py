"""The member app as the members service serves it: every screen is the one page, under a policy that allows
no inline script or style and reaches only this service and the referrals service; its files come with the
right types (compressed when asked); nothing outside the app's folder is served; the manifest makes it
installable. Through the ASGI interface, no server and no database."""

from __future__ import annotations

import gzip
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from services.members.config import MembersConfig, new_kek
from services.members.entrypoints.app import create_app
from services.members.entrypoints.routes_app import STATIC
from shared.settings import Settings

SETTINGS = Settings(REFNET_ADMIN_TOKEN="a-unit-test-admin-token-of-some-length",
                    REFNET_TOKEN_SECRET="a-unit-test-signing-secret-of-some-length",
                    REFNET_REFERRALS_PUBLIC_URL="https://reports.example.org/base")


def client() -> httpx.AsyncClient:
    app = create_app(SETTINGS, MembersConfig(MEMBERS_DATA_KEKS=new_kek("unit")))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://members")


class Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.sources: list[str] = []
        self.styles = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            self._in_script = True
            if found.get("src"):
                self.sources.append(found["src"] or "")
        if tag == "style" or "style" in found or any(name.startswith("on") for name in found):
            self.styles += 1

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False if tag == "script" else self._in_script

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append(data)


@pytest.mark.parametrize("path", ["/app", "/app/", "/app/sign-in", "/app/check-in", "/app/record", "/app/meeting"])
async def test_every_screen_is_the_page_under_a_strict_policy(path: str) -> None:
    async with client() as http:
        page = await http.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "connect-src 'self' https://reports.example.org;" in policy, "the referrals origin, not its path"
    assert "script-src 'self';" in policy and "unsafe" not in policy and "frame-ancestors 'none'" in policy
    parsed = Scripts()
    parsed.feed(page.text)
    assert parsed.inline == [] and parsed.styles == 0, "no inline script, style or handler: the policy refuses them"
    assert parsed.sources == ["/app/app.js"]
    assert '<meta name="refnet-referrals" content="https://reports.example.org">' in page.text
    assert 'name="viewport"' in page.text and 'rel="manifest"' in page.text


async def test_the_files_come_with_their_types_compressed_when_asked() -> None:
    async with client() as http:
        plain = await http.get("/app/app.js", headers={"Accept-Encoding": "identity"})
        zipped = await http.get("/app/i18n.js", headers={"Accept-Encoding": "gzip"})
        worker = await http.get("/app/sw.js")
        icon = await http.get("/app/icon-192.png")
    assert plain.headers["content-type"].startswith("text/javascript") and "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip" and "pl" in zipped.text  # httpx decodes it
    assert int(zipped.headers["content-length"]) < len(gzip.compress(zipped.content)) * 2
    assert worker.headers["service-worker-allowed"] == "/app/"
    assert icon.headers["content-type"] == "image/png" and icon.content[:4] == b"\x89PNG"


@pytest.mark.parametrize("path", ["/app/..%2Fapp.py", "/app/%2E%2E%2F%2E%2E%2Fconfig.py", "/app/nothing.js",
                                  "/app/.gitignore", "/app/index.html%00.js"])
async def test_nothing_outside_the_apps_files_is_served(path: str) -> None:
    async with client() as http:
        answer = await http.get(path)
    assert answer.status_code == 404, answer.text
    assert "import" not in answer.text


def test_the_manifest_makes_the_app_installable() -> None:
    manifest = json.loads((STATIC / "manifest.webmanifest").read_text())
    assert manifest["start_url"] == "/app/" and manifest["scope"] == "/app/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert (STATIC / Path(icon["src"]).name).exists(), icon


def test_the_service_worker_caches_every_file_of_the_shell() -> None:
    worker = (STATIC / "sw.js").read_text()
    shell = set(re.findall(r"'(/app/[^']*)'", worker.split("];", 1)[0]))
    modules = {f"/app/{p.name}" for p in STATIC.glob("*.js") if p.name not in ("sw.js",)}
    assert modules <= shell, f"not cached for offline use: {sorted(modules - shell)}"
