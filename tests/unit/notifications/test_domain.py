"""Pure rules, no infrastructure: schedule math across DST, money formatting, signatures, unsubscribe tokens."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from standardwebhooks import Webhook

from services.notifications.domain import webhooks
from services.notifications.domain.kinds import channels_for
from services.notifications.domain.money import format_money
from services.notifications.domain.rendering import Context, render
from services.notifications.domain.schedule import backoff, next_digest
from services.notifications.domain.unsubscribe import make_token, read_token


@pytest.mark.parametrize(("after", "tz", "weekday", "at", "lead", "meeting", "due_utc"), [
    # London, Wednesdays 07:00, 12 h before: Tuesday 19:00 local; GMT then BST
    (datetime(2025, 3, 20, tzinfo=UTC), "Europe/London", "wednesday", time(7), 12, date(2025, 3, 26),
     datetime(2025, 3, 25, 19, tzinfo=UTC)),
    (datetime(2025, 3, 26, tzinfo=UTC), "Europe/London", "wednesday", time(7), 12, date(2025, 4, 2),
     datetime(2025, 4, 1, 18, tzinfo=UTC)),
    # the lead spans the spring-forward night: Sunday 30 March 2025 07:00 BST meeting, 12 h before = Sat 19:00 GMT
    (datetime(2025, 3, 27, tzinfo=UTC), "Europe/London", "sunday", time(7), 12, date(2025, 3, 30),
     datetime(2025, 3, 29, 19, tzinfo=UTC)),
    # Sydney leaves DST on 6 April 2025: Monday 07:30 meetings, 1 h before = 06:30 local
    (datetime(2025, 3, 30, tzinfo=UTC), "Australia/Sydney", "monday", time(7, 30), 1, date(2025, 3, 31),
     datetime(2025, 3, 30, 19, 30, tzinfo=UTC)),
    (datetime(2025, 3, 31, tzinfo=UTC), "Australia/Sydney", "monday", time(7, 30), 1, date(2025, 4, 7),
     datetime(2025, 4, 6, 20, 30, tzinfo=UTC)),
    # a digest at a local time that does not exist (02:30 on 9 March 2025 in New York) goes at 03:30 EDT
    (datetime(2025, 3, 3, tzinfo=UTC), "America/New_York", "sunday", time(3, 30), 1, date(2025, 3, 9),
     datetime(2025, 3, 9, 7, 30, tzinfo=UTC)),
])
def test_next_digest_in_local_time(after: datetime, tz: str, weekday: str, at: time, lead: float, meeting: date,
                                   due_utc: datetime) -> None:
    assert next_digest(after, weekday, at, tz, lead) == (meeting, due_utc)


def test_next_digest_is_strictly_after_and_weekly() -> None:
    meeting, due = next_digest(datetime(2025, 3, 25, 19, tzinfo=UTC), "wednesday", time(7), "Europe/London", 12)
    assert meeting == date(2025, 4, 2) and due == datetime(2025, 4, 1, 18, tzinfo=UTC)


@pytest.mark.parametrize(("amount", "currency", "language", "text"), [
    ("1234.5", "GBP", "en", "£1,234.50"), ("98765.4", "EUR", "de", "98.765,40\u00a0€"),
    ("98765.4", "EUR", "fr", "98\u202f765,40\u00a0€"), ("98765.4", "EUR", "nl", "€\u00a098.765,40"),
    ("1000000", "USD", "en", "$1,000,000.00"), ("1234.5", "JPY", "en", "¥1,235"), ("0.005", "GBP", "en", "£0.01"),
    ("12.3", "SEK", "de", "12,30\u00a0SEK"), ("5", "XYZ", "en", "XYZ5.00"), ("0.5", "GBP", "", "£0.50"),
    ("1234.5", "PLN", "pl", "1\u00a0234,50\u00a0zł"), ("1234.5", "GBP", "xx", "£1,234.50"),
])
def test_money_in_the_chapters_currency_and_language(amount: str, currency: str, language: str, text: str) -> None:
    """CLDR's way for the chapter's language, rounded half up; an unknown language reads English."""
    assert format_money(Decimal(amount), currency, language) == text


def test_signature_verifies_with_the_standardwebhooks_package() -> None:
    secret = webhooks.new_secret()
    body = b'{"type":"x","data":{"a":1}}'
    import time as _time

    headers = webhooks.headers(secret, "msg_1", int(_time.time()), body)
    assert Webhook(secret).verify(body, headers) == {"type": "x", "data": {"a": 1}}
    with pytest.raises(Exception, match=r"(?i)signature"):
        Webhook(webhooks.new_secret()).verify(body, headers)


def test_subscription_matching() -> None:
    assert webhooks.matches(["org.refnet.members.referral-given"], "org.refnet.members.referral-given.v1")
    assert webhooks.matches(["org.refnet.members.referral-given.v1"], "org.refnet.members.referral-given.v1")
    assert webhooks.matches(["*"], "org.refnet.referrals.traffic-light-changed.v1")
    assert not webhooks.matches(["org.refnet.members.referral-given"], "org.refnet.members.member-joined.v1")


def test_unsubscribe_tokens_cannot_be_forged_or_moved() -> None:
    tok = make_token("s3cret", "ann", "all")
    assert read_token("s3cret", tok) == ("ann", "all")
    assert read_token("other", tok) is None
    body, mac = tok.split(".")
    forged = make_token("s3cret", "bob", "all").split(".")[0] + "." + mac
    assert read_token("s3cret", forged) is None
    assert read_token("s3cret", "garbage") is None


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    upper = [backoff(n, 30, 3600, lambda lo, hi: hi) for n in range(1, 10)]
    lower = [backoff(n, 30, 3600, lambda lo, hi: lo) for n in range(1, 10)]
    assert upper[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert upper[-1] == timedelta(hours=1) and all(lo == hi / 2 for lo, hi in zip(lower, upper, strict=True))


def test_preferences_choose_channels() -> None:
    assert channels_for("referral-received", {}) == ["email", "feed"]
    assert channels_for("weekly-digest", {}) == ["email"]
    assert channels_for("weekly-digest", {}, digest=False) == []
    assert channels_for("referral-won", {"referral-won": ["feed"]}) == ["feed"]
    assert channels_for("referral-won", {}, email_off=True) == ["feed"]


def test_html_is_escaped() -> None:
    ctx = Context(recipient_name="<b>Ann</b>", chapter_name="C", currency="GBP", names={"bob": "Bob & Co"})
    out = render("referral-accepted", {"receiver_id": "bob", "referral_id": "r1", "given_on": "2025-03-05"}, ctx)
    assert "&lt;b&gt;Ann&lt;/b&gt;" in out.html and "Bob &amp; Co accepted" in out.html
    assert out.text.startswith("Hello <b>Ann</b>,") and "Bob & Co accepted the referral you gave on March 5, 2025." \
        in out.text
