"""The dashboard's integrity card in headless Chromium: a leader sees a closed business recorded twice and a
pair padding its referrals, named by member and slip, beside the honest ones that raise nothing; a second
look-alike recorded upstream shows up without a reload."""

from __future__ import annotations

from datetime import date, timedelta

from shared.settings import Settings
from tests.e2e.browser import chromium, needs_chromium, new_page
from tests.e2e.referrals.browser_session import stand_in_cookies
from tests.e2e.referrals.helpers import MembersFeed, chapter, closed, joined, referral, serving, token

pytestmark = needs_chromium


async def test_a_leader_sees_duplicates_and_padding_on_the_dashboard(settings: Settings) -> None:
    from playwright.async_api import async_playwright, expect

    today = date.today()
    day = today - timedelta(days=20)
    padding = [referral("c1", f"pad{n}", "ann", "bob", day + timedelta(days=n), 3) for n in range(5)]
    history = [chapter("c1"), *(joined("c1", m, today - timedelta(days=300)) for m in ("ann", "bob", "cat", "dan")),
               joined("c1", "pres", today - timedelta(days=300), role="president"),
               *padding, referral("c1", "r-cat", "ann", "cat", day, 4), referral("c1", "r-dan", "cat", "dan", day, 4),
               # Bob thanks Ann twice for what looks like one job (0.5 % apart, three days apart)
               closed("c1", "cb1", "bob", "ann", "1000.00", day, "pad0"),
               closed("c1", "cb2", "bob", "ann", "1005.00", day + timedelta(days=3), "pad1"),
               # an honest thank-you: another pair, another amount
               closed("c1", "cb3", "dan", "cat", "200.00", day, "r-dan")]
    leader = token(settings, "pres", "c1", "president")
    async with MembersFeed(settings) as feed, serving(settings) as base, async_playwright() as pw:
        await feed.record(*history)
        async with chromium(pw) as browser:
            page, _ = await new_page(browser, stand_in_cookies(settings, leader))
            await page.goto(f"{base}/chapters/c1/dashboard")
            card = page.locator("#integrity-card")
            await expect(card).to_have_attribute("data-duplicates", "1", timeout=30_000)
            signals = page.locator("#integrity-signals tr")
            await expect(signals).to_have_count(1 + 2)  # the header, the duplicate, the padding pair
            duplicate = await signals.nth(1).all_text_contents()
            assert "suspected duplicate" in duplicate[0] and "Member bob thanked Member ann" in duplicate[0], duplicate
            assert "1,000.00" in duplicate[0] and "1,005.00" in duplicate[0], duplicate
            padded = await signals.nth(2).text_content() or ""
            assert "concentrated pair" in padded and "Member ann → Member bob" in padded
            assert "5 of 6 referrals (83%)" in padded
            # effective referrals beside the raw count: 1 + 1/2 + 1/3 + 1/4 + 1/5 to Bob, 1 to Cat
            ann = page.locator("#integrity-members tr", has_text="Member ann").first
            await expect(ann).to_contain_text("6 (3.2833)")
            await expect(ann).to_contain_text("Member bob 83%")
            honest = await page.locator("#integrity-signals").text_content() or ""
            assert "thanked Member cat" not in honest and "Member cat →" not in honest, honest
            # a third look-alike arrives: it looks like both others, live
            await feed.record(closed("c1", "cb4", "bob", "ann", "1002.00", day + timedelta(days=5)))
            await expect(card).to_have_attribute("data-duplicates", "3", timeout=10_000)


async def test_a_polish_chapters_dashboard_reads_polish(settings: Settings) -> None:
    """Headings, table heads, light words, funnel stages and the integrity card in the chapter's language; amounts
    the Polish way."""
    from playwright.async_api import async_playwright, expect

    today = date.today()
    day = today - timedelta(days=20)
    founded = chapter("c1").model_copy(update={"language": "pl", "currency": "PLN", "timezone": "Europe/Warsaw"})
    history = [founded, *(joined("c1", m, today - timedelta(days=300)) for m in ("ann", "bob")),
               joined("c1", "pres", today - timedelta(days=300), role="president"),
               referral("c1", "r1", "ann", "bob", day, 4),
               closed("c1", "cb1", "bob", "ann", "1234.50", day, "r1"),
               closed("c1", "cb2", "bob", "ann", "1234.50", day + timedelta(days=1))]
    leader = token(settings, "pres", "c1", "president")
    async with MembersFeed(settings) as feed, serving(settings) as base, async_playwright() as pw:
        await feed.record(*history)
        async with chromium(pw) as browser:
            page, refused = await new_page(browser, stand_in_cookies(settings, leader))
            await page.goto(f"{base}/chapters/c1/dashboard")
            await expect(page.locator("#integrity-card")).to_have_attribute("data-duplicates", "1", timeout=30_000)
            assert await page.locator("html").get_attribute("lang") == "pl"
            assert await page.locator("#integrity-card h2").text_content() == "Sygnały rzetelności"
            assert "Rekomendacje w okresie" in (await page.locator("#reports").text_content() or "")
            signals = await page.locator("#integrity-signals").text_content() or ""
            assert "możliwy duplikat" in signals and "Member bob podziękował(a) Member ann" in signals
            assert "1234,50\u00a0zł" in signals or "1\u00a0234,50\u00a0zł" in signals, signals
            assert "możliwe zdublowane biznesy: 1" in (await page.locator("#integrity-summary").text_content() or "")
            assert await page.locator("#lights tr th").first.text_content() == "członek"
            stages = await page.locator("#funnel text").all_text_contents()
            assert "przekazana" in stages and "given" not in stages
            assert refused == []
