"""The dashboard outlives its access cookie: both services served by uvicorn, access tokens of three seconds,
and the page renews its session at the members service (the refresh cookie, credentialed CORS, its own
Content-Security-Policy) whenever the referrals service answers 401, one renewal at a time, with the rotated
refresh cookie the next time; no token in any URL or header it sends. A page without a session goes to the
members app's sign-in page."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta

import httpx
import jwt

from infra.processes import free_port
from services.members.entrypoints.app import create_app as create_members_app
from services.referrals.entrypoints.app import create_app as create_referrals_app
from shared.settings import Settings
from tests.e2e.browser import chromium, needs_chromium, new_page
from tests.e2e.referrals.browser_session import cookies_of
from tests.e2e.referrals.helpers import serving
from tests.e2e.referrals.test_dashboard_browser import Requests
from tests.e2e.sign_in import code_of, latest_link

pytestmark = needs_chromium
SIGNED_OUT = "signed out: sign in again"


async def until_past(moment: float) -> None:
    """Wait for the clock to pass `moment` (a token's expiry), looking every 50 ms."""
    while time.time() <= moment:
        await asyncio.sleep(0.05)


def expiry(token: str) -> float:
    return float(jwt.decode(token, options={"verify_signature": False})["exp"])


async def test_the_dashboard_renews_its_session_when_the_access_token_expires(settings: Settings) -> None:
    from playwright.async_api import async_playwright, expect

    today = date.today()
    members_port, referrals_port = free_port(18260), free_port(18270)
    members_url, referrals_url = f"http://127.0.0.1:{members_port}", f"http://127.0.0.1:{referrals_port}"
    short = settings.model_copy(update={"access_token_minutes": 0.05, "members_public_url": members_url,
                                        "dashboard_origins": referrals_url})
    admin = {"Authorization": f"Bearer {settings.admin_token}"}
    async with serving(short, create_members_app(short), members_port) as members, \
            serving(short, create_referrals_app(short), referrals_port) as base, \
            httpx.AsyncClient(base_url=members, timeout=30) as api, async_playwright() as pw:
        assert (members, base) == (members_url, referrals_url)
        founded = await api.post("/chapters", headers=admin, json={
            "name": "Riverside Connectors", "city": "Leeds", "region": "Yorkshire", "meeting_weekday": "wednesday",
            "meeting_time": "07:00", "timezone": "Europe/London", "currency": "GBP",
            "founded_on": (today - timedelta(days=400)).isoformat()})
        assert founded.status_code == 201, founded.text
        cid = founded.json()["chapter_id"]
        ids: dict[str, str] = {}
        for name in ("Pat", "Ann", "Bob"):
            added = await api.post(f"/chapters/{cid}/members", headers=admin, json={
                "name": name, "business": f"{name} Ltd", "category": f"{name}ing", "email": f"{name}@example.com",
                "joined_on": (today - timedelta(days=300)).isoformat()})
            assert added.status_code == 201, added.text
            ids[name] = added.json()["member_id"]
        appointed = await api.post(f"/chapters/{cid}/members/{ids['Pat']}/role", headers=admin,
                                   json={"role": "president"})
        assert appointed.status_code == 201, appointed.text

        async def session(name: str) -> dict[str, str]:
            opened = await api.post(f"/chapters/{cid}/members/{ids[name]}/sessions", headers=admin)
            assert opened.status_code == 201, opened.text
            pair: dict[str, str] = opened.json()
            return pair

        async def give() -> None:  # as Ann, with a token of her own fresh enough for one slip
            ann = (await session("Ann"))["access_token"]
            given = await api.post(f"/chapters/{cid}/referrals", headers={"Authorization": f"Bearer {ann}"},
                                   json={"receiver_id": ids["Bob"], "referral_type": "outside", "temperature": 4,
                                         "prospect": {"name": "Jo Bloggs"}})
            assert given.status_code == 201, given.text

        await give()
        # Pat signs in as a browser does: the welcome link's code exchanged for cookies
        welcome = (await latest_link(short, ids["Pat"], "welcome"))[1]
        exchanged = await api.post("/sign-in/exchange", json={"code": code_of(welcome), "cookies": True})
        assert exchanged.status_code == 200, exchanged.text
        cookies = cookies_of(exchanged)
        first = {c["name"]: c["value"] for c in cookies}
        async with chromium(pw) as browser:
            page, refused = await new_page(browser, cookies)  # refused: the call to the members service, say
            context = page.context
            requests = Requests()
            page.on("request", requests)
            await page.goto(f"{base}/chapters/{cid}/dashboard")
            cell = page.locator(f'rect[data-pair="{ids["Ann"]}->{ids["Bob"]}"]')
            status = page.locator("#status")
            await expect(cell).to_have_attribute("data-count", "1", timeout=30_000)
            await until_past(expiry(first["refnet_access"]))
            # a reload with the access cookie expired: the reports and the stream ticket are refused at once,
            # and both wait for one renewal (two with the same refresh cookie would end the session)
            await page.reload()
            await expect(status).to_contain_text("live", timeout=20_000)
            await give()
            await expect(cell).to_have_attribute("data-count", "2", timeout=20_000)
            renewed_at = time.time()
            await until_past(renewed_at + 4)  # the renewed token (3 s) has expired too: renewed again, rotated
            await give()
            await expect(cell).to_have_attribute("data-count", "3", timeout=20_000)
            assert SIGNED_OUT not in (await status.text_content() or "")
            assert refused == []
            renewals = [url for url, _ in requests.seen if url == f"{members}/sign-in/refresh"]
            assert len(renewals) >= 2, renewals  # the preflight is not a request the page makes
            requests.assert_no_token(first["refnet_access"], first["refnet_refresh"])
            rotated = {c["name"]: c["value"] for c in await context.cookies()}
            assert rotated["refnet_refresh"] != first["refnet_refresh"]
            # the page rotated the first refresh token: presenting it again is refused (and, as a replay, ends
            # the session)
            replay = await api.post("/sign-in/refresh", json={"refresh_token": first["refnet_refresh"]})
            assert replay.status_code == 401

            # a browser with no session is sent to the members app's sign-in page
            stranger = await (await browser.new_context()).new_page()
            await stranger.goto(f"{base}/chapters/{cid}/dashboard")
            await stranger.wait_for_url(f"{members}/app/sign-in", timeout=20_000)
