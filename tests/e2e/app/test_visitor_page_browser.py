"""A guest on a phone registers for a Polish chapter's meeting on its public page (Debian's Chromium, the real
services): the page speaks Polish under the strict policy (no inline script, nothing refused), offers the next
meetings and the members by name, and the guest's confirmation e-mail arrives; a field the service refuses is
named on the page."""

from __future__ import annotations

from services.notifications.domain import kinds
from shared.settings import Settings
from tests.e2e.app.stack import stack
from tests.e2e.app.test_member_app_browser import PHONE
from tests.e2e.browser import chromium, needs_chromium
from tests.e2e.notifications.helpers import text_of, wait_until

pytestmark = needs_chromium
GUEST = "gosia@kwiaty.example"


async def test_a_guest_registers_on_the_chapters_page_and_is_confirmed(settings: Settings) -> None:
    from playwright.async_api import async_playwright, expect

    async with stack(settings) as s, async_playwright() as pw:
        await s.found({"Pat": "Lawyer", "Ann": "Accountant"}, leader="Pat", language="pl")
        async with chromium(pw) as browser:
            context = await browser.new_context(**{**PHONE, "locale": "pl-PL"})
            page = await context.new_page()
            refused: list[str] = []
            page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
            await page.goto(f"{s.members}/visit/{s.chapter_id}")
            await expect(page.get_by_role("heading", name="Odwiedź Riverside Connectors")).to_be_visible()
            await expect(page.locator("html")).to_have_attribute("lang", "pl")
            assert await page.locator("#meeting_date option").count() == 8
            await page.get_by_label("Imię i nazwisko").fill("Gosia\u2028Nowak")  # a line separator: refused
            await page.get_by_label("Adres e-mail").fill(GUEST)
            await page.get_by_label("Kto Pana/Panią zaprosił?").select_option(label="Ann")
            await page.get_by_role("button", name="Zarejestruj się").tap()
            await expect(page.get_by_role("status")).to_contain_text("Prosimy sprawdzić: Imię i nazwisko")
            await page.get_by_label("Imię i nazwisko").fill("Gosia Nowak")
            await page.get_by_label("Firma").fill("Kwiaty & <Co>")
            await page.get_by_role("button", name="Zarejestruj się").tap()
            await expect(page.get_by_role("status")).to_contain_text("Dziękujemy!")
            assert refused == []
        await wait_until(lambda: s.inbox.to(GUEST, kinds.VISITOR_CONFIRMATION), timeout=60, what="the confirmation")
        text = text_of(s.inbox.to(GUEST, kinds.VISITOR_CONFIRMATION)[0])
        assert "Gosia Nowak" in text and "Zaprasza Państwa: Ann" in text
        listed = (await s.api.get(f"/chapters/{s.chapter_id}/visitors", headers=s.admin)).json()
        assert [(v["name"], v["business"], v["invited_by"]) for v in listed] == [
            ("Gosia Nowak", "Kwiaty & <Co>", s.ids["Ann"])]
