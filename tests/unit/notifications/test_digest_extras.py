"""The weekly digest's next best actions and the chapter's asks, in the chapter's language."""

from __future__ import annotations

from typing import Any

import pytest

from services.notifications.domain import kinds as k
from services.notifications.domain.messages import MESSAGES
from services.notifications.domain.messages.text import LANGUAGES
from services.notifications.domain.rendering import Context, render

DATA: dict[str, Any] = {
    "meeting_date": "2025-03-26", "given": 0, "received": 1, "thanks_total": "0", "light": "red", "open": [],
    "next_actions_as_of": "2025-03-24",
    "next_actions": [
        {"action": "lift", "area": "one_to_ones", "more": 2, "points": "1.5", "colour_after": "yellow"},
        {"action": "give_back", "member_id": "bob", "referrals_received": 2},
        {"action": "answer_ask", "member_id": "cid", "ask": "Introductions to bakeries", "asked_on": "2025-03-20",
         "matched": ["bakeries"]},
        {"action": "refer_after_one_to_one", "member_id": "dan"},
        {"action": "revive", "member_id": "eve", "last_referral_on": "2024-11-02"}],
    "asks": [{"member_id": "cid", "text": "Introductions to bakeries", "asked_on": "2025-03-20"}],
}
NAMES = {"bob": "Bob", "cid": "Cid", "dan": "Dan", "eve": "Eve"}


def digest(language: str) -> str:
    ctx = Context(recipient_name="Ann", chapter_name="Riverside", currency="EUR", names=NAMES, language=language)
    return render(k.WEEKLY_DIGEST, DATA, ctx).text


def test_the_digest_lists_the_actions_then_the_asks_in_english() -> None:
    text = digest("en")
    assert ("Your next best actions (as of March 24, 2025):\n"
            "  - One-to-ones: 2 more, +1.5 points for your traffic light (yellow)\n"
            "  - Give back to Bob: referrals from them (2), none from you yet\n"
            "  - Cid is looking for \"Introductions to bakeries\": your business matches (bakeries); refer or"
            " introduce them\n"
            "  - You met Dan one-to-one but have not referred them yet\n"
            "  - No referral either way with Eve since November 2, 2024: time to talk again\n"
            "What your chapter is looking for:\n"
            "  - Cid: Introductions to bakeries (March 20, 2025)\n") in text


def test_a_polish_digest_writes_days_and_points_the_polish_way() -> None:
    text = digest("pl")
    assert "Państwa następne kroki (stan na 24 marca 2025):" in text
    assert "Spotkania jeden na jeden: o 2 więcej, +1,5 pkt dla Państwa światła (żółty)" in text
    assert "Czego szuka Państwa chapter:\n  - Cid: Introductions to bakeries (20 marca 2025)" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_line(language: str) -> None:
    assert all(getattr(MESSAGES[key], language) for key in MESSAGES if key.startswith(("actions.", "asks.")))
    assert "Bob" in digest(language) and "Introductions to bakeries" in digest(language)


def test_a_digest_without_actions_or_asks_says_nothing_of_them() -> None:
    ctx = Context(recipient_name="Ann", chapter_name="Riverside", currency="GBP")
    text = render(k.WEEKLY_DIGEST, {**DATA, "next_actions": [], "asks": []}, ctx).text
    assert "next best actions" not in text and "looking for" not in text
