"""The member app on a phone (Debian's Chromium at 390x844, touch), on the real services: a new member signs
in through the welcome e-mail, records a referral, records another while offline, and both arrive once; a
sync after a dropped answer records nothing twice; the receiver accepts the referral from their inbox; the
leader's QR code checks a member in. Taps and seconds to record a referral are printed, not asserted.
`REFNET_UPDATE_SCREENSHOTS=1` refreshes the screenshots in docs/img/."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

from shared.settings import Settings
from tests.e2e.app.stack import SIGN_IN, WELCOME, Stack, email, stack
from tests.e2e.browser import chromium, needs_chromium
from tests.e2e.notifications.helpers import wait_until

ROOT = Path(__file__).resolve().parents[3]
DOCS_IMG = ROOT / "docs" / "img"
QR_LIBRARY = (ROOT / "services" / "members" / "entrypoints" / "static" / "app" / "qrcode.mjs").exists()
"""Put in place by `make app` (npm): without it the leader's screen shows the check-in link alone."""
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
                         "has_touch": True, "locale": "en-GB"}

pytestmark = needs_chromium


class Phone:
    """One member's phone: a browser context with the app open, counting taps and keys."""

    def __init__(self, context: Any, page: Any) -> None:
        self.context, self.page = context, page
        self.taps = self.keys = 0
        self.refused: list[str] = []
        page.on("console", lambda m: self.refused.append(m.text) if "Content Security Policy" in m.text else None)

    async def tap(self, locator: Any) -> None:
        self.taps += 1
        await locator.tap()

    async def type(self, locator: Any, text: str) -> None:
        self.keys += len(text)
        await locator.press_sequentially(text)

    async def record_referral(self, search: str, receiver: str, temperature: int,
                              prospect: str) -> tuple[int, int, float]:
        """Taps, keys and seconds from the record screen to the app saying the referral is recorded (or kept)."""
        from playwright.async_api import expect

        page = self.page
        await expect(page.get_by_role("heading", name="Record a slip")).to_be_visible()
        self.taps = self.keys = 0
        started = time.monotonic()
        await self.tap(page.get_by_label("Referral for"))
        await self.type(page.get_by_label("Referral for"), search)
        await self.tap(page.locator("button.member", has_text=receiver))
        await self.tap(page.locator(f'input[name=temperature][value="{temperature}"] + label'))
        await self.tap(page.locator("input[name=name]"))
        await self.type(page.locator("input[name=name]"), prospect)
        await self.tap(page.get_by_role("button", name="Record referral"))
        await expect(page.locator(".message.ok")).to_be_visible()
        return self.taps, self.keys, time.monotonic() - started


async def shot(page: Any, name: str, tmp_path: Path) -> None:
    target = DOCS_IMG / name if os.environ.get("REFNET_UPDATE_SCREENSHOTS") else tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(target))
    assert target.stat().st_size > 5_000


async def open_phone(browser: Any, link: str) -> Phone:
    """A new phone opening a sign-in link from its e-mail."""
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    phone = Phone(context, page)
    await page.goto(link)
    await page.wait_for_url("**/app/record")
    return phone


async def test_a_week_of_slips_from_a_phone(settings: Settings, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    async with stack(settings) as s, async_playwright() as pw:
        await s.found({"Pat": "Lawyer", "Ann": "Accountant", "Bob": "Florist", "Cy": "Plumber", "Dee": "Printer"},
                      leader="Pat")
        async with chromium(pw) as browser:
            # Ann, new: her welcome e-mail's link signs her in; the code leaves the address bar
            ann = await open_phone(browser, await s.link(email("Ann"), WELCOME))
            assert "code=" not in ann.page.url
            await expect(ann.page.locator("#title")).to_have_text("Riverside Connectors")
            taps, keys, seconds = await ann.record_referral("flo", "Bob", 4, "Jo Bloggs")
            print(f"\nrecording a referral: {taps} taps, {keys} characters typed, {seconds:.2f} s")
            assert [r["receiver_id"] for r in await s.referrals_of("Ann")] == [s.ids["Bob"]]

            # offline: the next one waits on the phone, shown, and is sent once the connection returns
            await ann.context.set_offline(True)
            taps, keys, seconds = await ann.record_referral("plum", "Cy", 3, "Sam Lee")
            print(f"recording a referral offline: {taps} taps, {keys} characters typed, {seconds:.2f} s")
            await expect(ann.page.locator("#waiting")).to_have_attribute("data-count", "1")
            await expect(ann.page.locator("#waiting")).to_contain_text("1 slip waiting")
            assert len(await s.referrals_of("Ann")) == 1
            # the app opens again without a connection (its shell is cached), the slip still waiting
            await ann.page.reload()
            await expect(ann.page.get_by_role("heading", name="Record a slip")).to_be_visible()
            await expect(ann.page.locator("#waiting")).to_have_attribute("data-count", "1")
            await ann.context.set_offline(False)
            await expect(ann.page.locator("#waiting")).to_be_hidden(timeout=20_000)
            given = await s.referrals_of("Ann")
            assert sorted(r["receiver_id"] for r in given) == sorted([s.ids["Bob"], s.ids["Cy"]]), given

            # the answer to a slip is lost on the way back: it stays waiting, and the next sync (the app
            # starting again) sends it with the same Idempotency-Key: recorded once
            dropped: list[str] = []

            async def drop_answer(route: Any) -> None:
                if route.request.method == "POST" and not dropped:
                    await route.fetch()  # the service records it...
                    dropped.append(route.request.headers.get("idempotency-key", ""))
                    await route.abort("connectionreset")  # ...and the phone never hears back
                else:
                    await route.continue_()

            await ann.page.route("**/chapters/*/referrals", drop_answer)
            await ann.page.get_by_label("Referral for").fill("print")
            await ann.page.locator("button.member", has_text="Dee").tap()
            await ann.page.locator('input[name=temperature][value="5"] + label').tap()
            await ann.page.locator("input[name=name]").fill("Max Mustermann")
            await ann.page.get_by_role("button", name="Record referral").tap()
            await wait_until(lambda: dropped, what="the answer dropped")
            await expect(ann.page.locator(".message.ok")).to_contain_text("sent when you are online again")
            await expect(ann.page.locator("#waiting")).to_have_attribute("data-count", "1")
            await wait_until(lambda: _count(s, "Ann", 3), what="the dropped slip recorded by the service")
            await ann.page.unroute("**/chapters/*/referrals")
            await ann.page.reload()
            await expect(ann.page.locator("#waiting")).to_be_hidden(timeout=20_000)
            assert len(await s.referrals_of("Ann")) == 3, "the repeated sync recorded nothing twice"

            # Bob accepts Ann's referral from his inbox
            bob = await open_phone(browser, await s.link(email("Bob"), WELCOME))
            # his access token has expired (a junk one stands for it): the app renews the session with the
            # refresh cookie and carries on, unnoticed
            await bob.context.add_cookies([{"name": "refnet_access", "value": "expired", "url": s.members,
                                            "secure": True, "httpOnly": True, "sameSite": "Strict"}])
            await bob.page.get_by_role("link", name="Inbox").tap()
            card = bob.page.locator("article.card", has_text="Ann")
            await expect(card.locator(".status")).to_have_attribute("data-status", "given")
            access = [c for c in await bob.context.cookies(s.members) if c["name"] == "refnet_access"]
            assert len(access) == 1 and access[0]["value"] != "expired", "renewed by the refresh cookie"
            await card.get_by_role("button", name="Accept").tap()
            await expect(card.locator(".status")).to_have_attribute("data-status", "accepted")
            [to_bob] = [r for r in await s.referrals_of("Ann") if r["receiver_id"] == s.ids["Bob"]]
            assert to_bob["status"] == "accepted"
            await card.get_by_role("button", name="Show the prospect").tap()
            await expect(card.locator("dd", has_text="Jo Bloggs")).to_be_visible()
            await shot(bob.page, "app-inbox.png", tmp_path)
            # the business came through: Bob thanks Ann, picking the referral it came from
            await bob.page.get_by_role("link", name="Record").tap()
            await bob.page.get_by_role("button", name="Closed business").tap()
            await bob.page.get_by_label("From which referral").select_option(to_bob["referral_id"])
            await expect(bob.page.get_by_label("Member you thank")).to_have_value(s.ids["Ann"])
            await bob.page.get_by_label("Amount").fill("1250.50")
            await bob.page.get_by_role("button", name="Record thank-you").tap()
            await expect(bob.page.locator(".message.ok")).to_contain_text("recorded")
            thanks = (await s.api.get(f"/chapters/{s.chapter_id}/closed-business", headers=s.admin)).json()
            assert [(c["thanked_member_id"], c["referral_id"], c["amount"]) for c in thanks] == [
                (s.ids["Ann"], to_bob["referral_id"], "1250.50")]

            # Pat, the president, asks for a link by e-mail (appointing him ended his welcome session's role)
            context = await browser.new_context(**PHONE)
            page = await context.new_page()
            await page.goto(f"{s.members}/app/")
            await page.get_by_label("Your e-mail address").fill(email("Pat"))
            await page.get_by_role("button", name="E-mail me a sign-in link").tap()
            await expect(page.locator(".message.ok")).to_be_visible()
            await page.goto(await s.link(email("Pat"), SIGN_IN))
            await page.wait_for_url("**/app/record")
            pat = Phone(context, page)
            await pat.page.get_by_role("link", name="Meeting").tap()
            await pat.page.get_by_role("button", name="Show the check-in code").tap()
            link = pat.page.locator("a.check-in-link")
            await expect(link).to_have_attribute("data-url", re.compile(
                re.escape(f"{s.members}/app/check-in#chapter={s.chapter_id}&code=") + r"[\w-]{20}$"))
            if QR_LIBRARY:
                await expect(pat.page.locator("svg.qr-code path")).to_have_attribute("d", re.compile(r"^M\d"))
            await shot(pat.page, "app-meeting-qr.png", tmp_path)
            url = await link.get_attribute("data-url")
            # Cy scans it (his camera opens the link in the app where he is signed in)
            cy = await open_phone(browser, await s.link(email("Cy"), WELCOME))
            await cy.page.goto(url)
            meeting = f"{s.meeting_on}"  # the meeting that is on, which began on the UTC date ten minutes ago
            await expect(cy.page.locator("[data-checked-in]")).to_have_attribute("data-checked-in", meeting)
            marks = await s.api.get(f"/chapters/{s.chapter_id}/meetings/{meeting}/attendance",
                                    headers=s.admin)
            assert {m["member_id"]: m["mark"] for m in marks.json()} == {s.ids["Cy"]: "P"}
            # Cy declines the referral Ann gave him, saying why
            await cy.page.get_by_role("link", name="Inbox").tap()
            declined = cy.page.locator("article.card", has_text="Ann")
            await declined.get_by_role("button", name="Decline").tap()
            await declined.get_by_label("Reason").fill("outside my area")
            await declined.get_by_role("button", name="Decline").tap()
            await expect(declined.locator(".status")).to_have_attribute("data-status", "declined")
            [to_cy] = [r for r in await s.referrals_of("Ann") if r["receiver_id"] == s.ids["Cy"]]
            assert to_cy["status"] == "declined"
            # and Pat marks the others by tapping
            row = pat.page.locator(f'fieldset[data-member="{s.ids["Ann"]}"]')
            await row.locator("label", has_text="P").first.tap()
            await pat.page.locator(f'fieldset[data-member="{s.ids["Dee"]}"] label', has_text="A").first.tap()
            await pat.page.get_by_role("button", name="Save attendance").tap()
            await expect(pat.page.locator(".message.ok")).to_be_visible()
            marks = await s.api.get(f"/chapters/{s.chapter_id}/meetings/{meeting}/attendance",
                                    headers=s.admin)
            assert {m["member_id"]: m["mark"] for m in marks.json()} == {
                s.ids["Cy"]: "P", s.ids["Ann"]: "P", s.ids["Dee"]: "A"}
            await shot(pat.page, "app-meeting.png", tmp_path)

            # Ann confirms the thanks in her inbox, and records the rest of her week
            await ann.page.get_by_role("link", name="Inbox").tap()
            thanked = ann.page.locator("article[data-closed-business]", has_text="Bob")
            await expect(thanked).to_contain_text("£1,250.50")
            await thanked.get_by_role("button", name="Confirm").tap()
            await expect(ann.page.get_by_text("✓ Confirmed")).to_be_visible()
            thanks = (await s.api.get(f"/chapters/{s.chapter_id}/closed-business", headers=s.admin)).json()
            assert [c["verdict"] for c in thanks] == ["confirmed"]
            await ann.page.get_by_role("link", name="Record").tap()
            await ann.page.get_by_role("button", name="One-to-one").tap()
            await ann.page.get_by_label("Met with").fill("dee")
            await ann.page.locator("button.member", has_text="Dee").tap()
            await ann.page.locator("input[name=mode][value=video] + label").tap()
            await ann.page.get_by_role("button", name="Record one-to-one").tap()
            await expect(ann.page.locator(".message.ok")).to_contain_text("One-to-one with Dee: recorded")
            await ann.page.get_by_role("button", name="CEU").tap()
            await ann.page.get_by_label("What you learned").fill("Podcast: asking for referrals")
            await ann.page.get_by_role("button", name="Record CEU").tap()
            await expect(ann.page.locator(".message.ok")).to_contain_text("CEU: recorded")
            await ann.page.get_by_role("button", name="Visitor").tap()
            await ann.page.locator("input[name=visitor_name]").fill("Sam Visitor")
            await ann.page.get_by_role("button", name="Record invitation").tap()
            await expect(ann.page.locator(".message.ok")).to_contain_text("Visitor Sam Visitor: recorded")
            for path, count in (("/one-to-ones", 1), ("/ceus", 1), ("/visitors", 1)):
                listed = (await s.api.get(f"/chapters/{s.chapter_id}{path}", headers=s.admin)).json()
                assert len(listed) == count, (path, listed)

            # Ann's scorecard, read from the referrals service with her cookie (CORS for the app's origin)
            await ann.page.get_by_role("link", name="Scorecard").tap()
            await expect(ann.page.locator(".light")).to_have_attribute(
                "data-colour", re.compile("^(green|yellow|red|grey)$"), timeout=20_000)
            await expect(ann.page.locator("[data-given]")).to_have_attribute("data-given", "3", timeout=20_000)
            await shot(ann.page, "app-scorecard.png", tmp_path)
            # the record screen, half filled in, for the docs
            await ann.page.get_by_role("link", name="Record").tap()
            await ann.page.get_by_role("button", name="Referral", exact=True).tap()  # it opens on the last kind
            await ann.page.get_by_label("Referral for").fill("er")
            await shot(ann.page, "app-search.png", tmp_path)
            await ann.page.locator("button.member", has_text="Pat").tap()
            await ann.page.locator('input[name=temperature][value="4"] + label').tap()
            await ann.page.evaluate("window.scrollTo(0, 0)")
            await shot(ann.page, "app-record.png", tmp_path)
            for phone in (ann, bob, pat, cy):
                assert phone.refused == [], phone.refused


async def test_the_app_speaks_the_chapters_language(settings: Settings) -> None:
    from playwright.async_api import async_playwright, expect

    async with stack(settings) as s, async_playwright() as pw:
        await s.found({"Pat": "Lawyer", "Ana": "Accountant", "Bob": "Florist"}, leader="Pat", language="es")
        async with chromium(pw) as browser:
            ana = await open_phone(browser, await s.link(email("Ana"), WELCOME))
            await expect(ana.page.locator("html")).to_have_attribute("lang", "es")
            await expect(ana.page.get_by_role("heading", name="Registrar una ficha")).to_be_visible()
            await expect(ana.page.get_by_role("link", name="Recibidos")).to_be_visible()
            await ana.page.locator('input[name=temperature][value="5"] + label').tap()
            await expect(ana.page.locator("#temperature-meaning")).to_have_text(
                "5: presentado en persona: listo para hacer negocio")
            await ana.context.set_offline(True)
            await ana.page.get_by_label("Referencia para").fill("flor")
            await ana.page.locator("button.member", has_text="Bob").tap()
            await ana.page.get_by_label("Nombre del cliente potencial").fill("Lola")
            await ana.page.get_by_role("button", name="Registrar referencia").tap()
            await expect(ana.page.locator("#waiting")).to_have_text("1 ficha esperando envío (sin conexión)")
            await ana.context.set_offline(False)
            await expect(ana.page.locator("#waiting")).to_be_hidden(timeout=20_000)
            assert len(await s.referrals_of("Ana")) == 1
            assert ana.refused == []


async def _count(s: Stack, giver: str, n: int) -> bool:
    return len(await s.referrals_of(giver)) == n
