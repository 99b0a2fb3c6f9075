"""The dashboard in headless Chromium: a referral recorded upstream appears without a reload.

Two variants: events appended to a scratch members store (the referrals service alone), and the whole way
through the members service's HTTP API (both services served by uvicorn on free ports, since the browser
and its event stream need real HTTP), on a desktop screen and on a phone (390 x 844); the second saves the
screenshots for the docs. The leader's browser holds the session's cookies, never a token in a URL or a
header. The page runs under its Content-Security-Policy (no eval either: the tests wait with locators)."""

from __future__ import annotations

import asyncio
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from services.members.entrypoints.app import create_app as create_members_app
from shared.settings import Settings
from tests.e2e.browser import chromium, needs_chromium, new_page
from tests.e2e.referrals.browser_session import cookie_session, stand_in_cookies
from tests.e2e.referrals.helpers import (
    MembersFeed,
    attendance,
    chapter,
    joined,
    one_to_one,
    referral,
    serving,
    step,
    token,
)
from tests.e2e.sign_in import sign_in

SHOT = Path(__file__).resolve().parents[3] / "docs" / "img" / "dashboard.png"
PHONE_SHOT = SHOT.with_name("dashboard-phone.png")
PHONE = {"width": 390, "height": 844}
LONG_NAME = "Maximiliana Alexandrowna Wojciechowska-Brzęczyszczykiewicz"

pytestmark = needs_chromium


class Requests:
    """Every request the page made: no token in a URL, no Authorization header (the session is in cookies)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, str]]] = []

    def __call__(self, request: Any) -> None:
        self.seen.append((request.url, dict(request.headers)))

    def assert_no_token(self, *tokens: str) -> None:
        assert self.seen
        for url, headers in self.seen:
            assert "token=" not in url and "#token" not in url, url
            assert "authorization" not in {h.lower() for h in headers}, (url, headers)
            sent = [v for h, v in headers.items() if h.lower() != "cookie"]  # the cookie is how they travel
            assert not any(t and (t in url or any(t in v for v in sent)) for t in tokens), url


async def test_dashboard_updates_live(settings: Settings) -> None:
    from playwright.async_api import async_playwright, expect

    today = date.today()
    day = today - timedelta(days=3)
    members = ["ann", "bob", "cat", "dan", "eve"]
    history = [chapter("c1"), *(joined("c1", m, today - timedelta(days=300)) for m in members),
               joined("c1", "pres", today - timedelta(days=300), role="president"),
               referral("c1", "r1", "ann", "bob", day, 4), referral("c1", "r2", "bob", "cat", day, 3),
               referral("c1", "r3", "cat", "ann", day, 5), referral("c1", "r4", "ann", "cat", day, 2),
               step("c1", "r1", "ann", "bob", "given", "contacted", day),
               one_to_one("c1", "o1", "dan", "eve", day),
               *(attendance("c1", m, day, "P") for m in members)]
    leader = token(settings, "pres", "c1", "president")
    async with MembersFeed(settings) as feed, serving(settings) as base, async_playwright() as pw:
        await feed.record(*history)
        async with chromium(pw) as browser:
            page, refused = await new_page(browser, stand_in_cookies(settings, leader))
            requests = Requests()
            page.on("request", requests)
            await page.goto(f"{base}/chapters/c1/dashboard")
            cell = page.locator('rect[data-pair="ann->bob"]')
            await expect(cell).to_have_attribute("data-count", "1", timeout=20_000)
            loop = asyncio.get_running_loop()
            started = loop.time()
            await feed.record(referral("c1", "r5", "ann", "bob", today, 5))
            await expect(cell).to_have_attribute("data-count", "2", timeout=10_000)
            seen_after = loop.time() - started
            assert await cell.get_attribute("data-count") == "2"
            assert await page.locator("#funnel-given").text_content() == "5"
            print(f"\nreferral visible on the dashboard {seen_after * 1000:.0f} ms after it was published")
            # a reload still works (the session is in cookies), and no request carried a token
            await page.reload()
            await expect(cell).to_have_attribute("data-count", "2", timeout=10_000)
            assert refused == []
            requests.assert_no_token(leader)


async def test_dashboard_updates_live_from_the_members_api(settings: Settings, tmp_path: Path) -> None:
    """A leader has the dashboard open; a referral recorded through the members service's HTTP API shows
    up in the matrix and the funnel without a reload."""
    from playwright.async_api import async_playwright, expect

    today = date.today()
    meeting = today - timedelta(days=(today.weekday() - 2) % 7)  # the chapter meets on Wednesdays
    members_app = create_members_app(settings)
    async with serving(settings, members_app, 18250) as members, serving(settings) as base, \
            httpx.AsyncClient(base_url=members, timeout=30) as api, async_playwright() as pw:
        admin = {"Authorization": f"Bearer {settings.admin_token}"}
        founded = await api.post("/chapters", headers=admin, json={
            "name": "Riverside Connectors", "city": "Leeds", "region": "Yorkshire", "meeting_weekday": "wednesday",
            "meeting_time": "07:00", "timezone": "Europe/London", "currency": "GBP",
            "founded_on": (today - timedelta(days=400)).isoformat()})
        assert founded.status_code == 201, founded.text
        cid = founded.json()["chapter_id"]
        ids: dict[str, str] = {}
        tokens: dict[str, str] = {}
        for name, category in (("Pat", "Lawyer"), ("Ann", "Accountant"), ("Bob", "Florist"), ("Cy", "Plumber"),
                               ("Dee", "Printer"), ("Eve", "Architect"), (LONG_NAME, "Translator")):
            added = await api.post(f"/chapters/{cid}/members", headers=admin, json={
                "name": name, "business": f"{name} Ltd", "category": category,
                "email": f"{name.split()[0].lower()}@example.com",
                "joined_on": (today - timedelta(days=300)).isoformat()})
            assert added.status_code == 201, added.text
            ids[name] = added.json()["member_id"]
            tokens[name] = (await sign_in(api, settings, ids[name]))["access_token"]  # by their welcome link
        appointed = await api.post(f"/chapters/{cid}/members/{ids['Pat']}/role", headers=admin,
                                   json={"role": "president"})
        assert appointed.status_code == 201, appointed.text
        leader = await cookie_session(api, settings, ids["Pat"], "pat@example.com")

        async def give(giver: str, receiver: str, temperature: int = 4) -> dict[str, Any]:
            given = await api.post(f"/chapters/{cid}/referrals", headers={"Authorization": f"Bearer {tokens[giver]}"},
                                   json={"receiver_id": ids[receiver], "referral_type": "outside",
                                         "temperature": temperature, "prospect": {"name": "Jo Bloggs"}})
            assert given.status_code == 201, given.text
            body: dict[str, Any] = given.json()
            return body

        first = await give("Ann", "Bob")
        for giver, receiver in (("Bob", "Cy"), ("Cy", "Ann"), ("Ann", "Cy"), ("Dee", "Ann"), ("Eve", "Bob")):
            await give(giver, receiver)
        as_ = {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}
        for status in ("accepted", "contacted"):
            moved = await api.post(f"/chapters/{cid}/referrals/{first['referral_id']}/status", headers=as_["Bob"],
                                   json={"status": status})
            assert moved.status_code == 200, moved.text
        one_to_one = await api.post(f"/chapters/{cid}/one-to-ones", headers=as_["Dee"],
                                    json={"with_member_id": ids["Eve"], "mode": "video"})
        assert one_to_one.status_code == 201, one_to_one.text
        thanked = await api.post(f"/chapters/{cid}/closed-business", headers=as_["Bob"], json={
            "thanked_member_id": ids["Ann"], "amount": "1234.50", "business_kind": "new",
            "referral_id": first["referral_id"]})
        assert thanked.status_code == 201, thanked.text
        marks = await api.post(f"/chapters/{cid}/meetings/{meeting.isoformat()}/attendance", headers=admin, json={
            "marks": [{"member_id": i, "mark": "A" if n == "Cy" else "P"} for n, i in ids.items()]})
        assert marks.status_code == 201, marks.text

        async with chromium(pw) as browser:
            page, _ = await new_page(browser, leader)
            requests = Requests()
            page.on("request", requests)
            await page.goto(f"{base}/chapters/{cid}/dashboard")
            pair = f"{ids['Ann']}->{ids['Bob']}"
            cell = page.locator(f'rect[data-pair="{pair}"]')
            await expect(cell).to_have_attribute("data-count", "1", timeout=30_000)
            await expect(page.locator("#funnel-given")).to_have_text("6", timeout=30_000)
            loop = asyncio.get_running_loop()
            started = loop.time()
            await give("Ann", "Bob", 5)
            await expect(cell).to_have_attribute("data-count", "2", timeout=10_000)
            seen_after = loop.time() - started
            assert await page.locator("#funnel-given").text_content() == "7"
            print(f"\nreferral recorded over the members API visible on the dashboard {seen_after * 1000:.0f} ms"
                  " after the POST was sent")
            # names, not ids: matrix, bars, dormant pairs, and the weekly slips panel
            rows = await page.locator("#matrix text.row-name").all_text_contents()
            assert sorted(r.split(". ", 1)[1] for r in rows) == sorted(ids), rows  # "1. Ann", whole names
            assert sorted(await page.locator("#bars .bar-name").all_text_contents()) == sorted(ids)
            dormant = await page.locator("#dormant").text_content() or ""
            assert "Dee \u2013 Eve" in dormant or "Eve \u2013 Dee" in dormant, dormant
            await expect(page.locator("#weekly tr").nth(1)).to_be_attached(timeout=10_000)
            weekly = await page.locator("#weekly").text_content() or ""
            assert "Ann" in weekly and "m-" not in weekly, weekly
            page_text = await page.locator("body").inner_text()
            assert not any(i in page_text for i in ids.values()), "a member id shows on the dashboard"
            # the screenshot in the docs is refreshed on request, so a test run leaves the work tree clean
            shot = SHOT if os.environ.get("REFNET_UPDATE_SCREENSHOTS") else tmp_path / "dashboard.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            # amounts in the chapter's currency, traffic lights with their word
            await expect(page.locator("#kpi-value")).to_have_text("£1,234.50")
            words = await page.locator("#lights .light-word").all_text_contents()
            assert words and set(words) <= {"green", "yellow", "red", "grey"}, words

            # the same page on a phone: nothing wider than the screen, whole names, whatever their length
            await page.set_viewport_size(PHONE)
            await page.reload()
            await expect(page.locator("#funnel-given")).to_have_text("7", timeout=30_000)
            await expect(page.locator("#weekly tr").nth(1)).to_be_attached(timeout=10_000)
            widths = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1] == PHONE["width"], widths
            long = page.locator("#bars .bar-name", has_text=LONG_NAME)
            assert await long.text_content() == LONG_NAME
            box = await long.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
            for label in ("From", "to"):  # every input has its label
                await expect(page.get_by_label(label, exact=True)).to_have_attribute("type", "date")
            phone_shot = PHONE_SHOT if os.environ.get("REFNET_UPDATE_SCREENSHOTS") else tmp_path / "phone.png"
            await page.screenshot(path=str(phone_shot))
            requests.assert_no_token(*(c["value"] for c in leader if c["name"] != "refnet_csrf"))
