"""The scorecard on a phone shows the member's next best actions (read from the referrals service) and the
asks: another member's ask their business matches, named in the actions; their own ask saved from the
phone; in the chapter's language (German). Debian's Chromium at 390x844."""

from __future__ import annotations

from pathlib import Path

import httpx

from shared.settings import Settings
from tests.e2e.app.stack import WELCOME, email, stack
from tests.e2e.app.test_member_app_browser import open_phone, shot
from tests.e2e.browser import chromium, needs_chromium
from tests.e2e.notifications.helpers import wait_until

pytestmark = needs_chromium

ANNS_ASK = "Einführungen bei Restaurant-Besitzern in Köln"


async def test_the_scorecard_shows_next_actions_and_the_asks_in_the_chapters_language(
        settings: Settings, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    async with stack(settings) as s, async_playwright() as pw:
        await s.found({"Pat": "Lawyer", "Ann": "Accountant", "Bob": "Restaurant"}, leader="Pat", language="de")
        ann, bob = s.ids["Ann"], s.ids["Bob"]
        opened = await s.api.post(f"/chapters/{s.chapter_id}/members/{ann}/sessions", headers=s.admin, json={})
        anns = {"Authorization": f"Bearer {opened.json()['access_token']}"}
        put = await s.api.put(f"/chapters/{s.chapter_id}/members/{ann}/ask", headers=anns, json={"text": ANNS_ASK})
        assert put.status_code == 200, put.text

        async def nudged() -> bool:  # the referrals service has Ann's ask and matches Bob's restaurant to it
            async with httpx.AsyncClient(base_url=s.referrals, timeout=10) as referrals:
                got = await referrals.get(f"/chapters/{s.chapter_id}/members/{bob}/next-actions", headers=s.admin)
            return got.status_code == 200 and any(a["action"] == "answer_ask" for a in got.json()["next_actions"])

        await wait_until(nudged, what="Bob nudged to answer Ann's ask")
        async with chromium(pw) as browser:
            phone = await open_phone(browser, await s.link(email("Bob"), WELCOME))
            page = phone.page
            await page.get_by_role("link", name="Bewertung").tap()
            await expect(page.get_by_role("heading", name="Meine nächsten Schritte")).to_be_visible(timeout=20_000)
            item = page.locator(f'#next-actions li[data-action="answer_ask"][data-member="{ann}"]')
            await expect(item).to_contain_text("Ann sucht Folgendes, und Ihr Geschäft passt (restaurant):")
            await expect(item.locator("q")).to_have_text(ANNS_ASK)
            await expect(page.locator("#next-actions li").first).to_have_attribute("data-action", "lift")
            await expect(page.locator("#chapter-asks li")).to_contain_text(ANNS_ASK)

            # a too-short ask is refused naming the field; then Bob saves his own
            await page.get_by_label("Mein Anliegen diesen Monat").fill("ab")
            await page.get_by_role("button", name="Anliegen speichern").tap()
            await expect(page.locator(".message.error")).to_contain_text("text")
            await page.get_by_label("Mein Anliegen diesen Monat").fill("Weinhändler und Lieferanten")
            await page.get_by_role("button", name="Anliegen speichern").tap()
            await expect(page.locator(".message.ok")).to_have_text("✓ Ihr Anliegen ist gespeichert.")
            await expect(page.locator("#ask-since")).to_contain_text("Vom")
            listed = (await s.api.get(f"/chapters/{s.chapter_id}/asks", headers=anns)).json()
            assert {a["name"]: a["text"] for a in listed} == {"Ann": ANNS_ASK, "Bob": "Weinhändler und Lieferanten"}
            await page.locator("#next-actions").scroll_into_view_if_needed()
            await shot(page, "app-asks.png", tmp_path)
            assert phone.refused == []
