"""What a sign-in link's e-mail says, in each language (Polish dates read day first), and
that the link is in the e-mail only: the feed's summary of the same notification has none."""

from __future__ import annotations

import pytest

from services.notifications.domain import kinds as k
from services.notifications.domain.messages import CATALOGUES, EN, MESSAGES
from services.notifications.domain.rendering import Context, local_time, render, summary

URL = "https://members.refnet.test/sign-in?code=s3cr3t&chapter=c1"
DATA = {"purpose": "sign-in", "expires_at": "2031-05-06T14:30:00+00:00"}


def ctx(language: str, timezone: str = "Europe/Warsaw", url: str | None = URL) -> Context:
    return Context(recipient_name="Ola", chapter_name="Wisła", currency="PLN", language=language,
                   timezone=timezone, sign_in_url=url)


@pytest.mark.parametrize(("language", "subject", "valid"), [
    ("en", "Your sign-in link", "until 2031-05-06 16:30 (Europe/Warsaw)"),
    ("de", "Ihr Anmeldelink", "gültig bis 2031-05-06 16:30 (Europe/Warsaw)"),
    ("fr", "Votre lien de connexion", "jusqu'au 2031-05-06 16:30 (Europe/Warsaw)"),
    ("nl", "Uw inloglink", "geldig tot 2031-05-06 16:30 (Europe/Warsaw)"),
    ("es", "Su enlace de acceso", "hasta el 2031-05-06 16:30 (Europe/Warsaw)"),
    ("pl", "Twój link do logowania", "ważny do 06.05.2031 16:30 (Europe/Warsaw)"),
])
def test_the_sign_in_e_mail_in_each_language(language: str, subject: str, valid: str) -> None:
    mail = render(k.SIGN_IN_LINK, DATA, ctx(language))
    assert mail.subject == subject
    assert URL in mail.text.splitlines() and valid in mail.text
    assert '<a href="https://members.refnet.test/sign-in?code=s3cr3t&amp;chapter=c1">' in mail.html
    assert f'lang="{language}"' in mail.html


def test_every_message_has_its_polish_text() -> None:
    mail = render(k.SIGN_IN_LINK, DATA, ctx("pl"))
    assert mail.text.startswith("Dzień dobry, Ola,\n") and "nikt się nie zaloguje" in mail.text
    untranslated = [key for key, text in MESSAGES.items() if text.pl == text.en and "{" not in text.en]
    assert untranslated == [] and CATALOGUES["pl"]["digest.given"] != EN["digest.given"]


def test_the_welcome_carries_the_link_in_the_e_mail_and_not_in_the_feed() -> None:
    data = {**DATA, "purpose": "welcome", "member_id": "ola"}
    mail = render(k.WELCOME, data, ctx("en", "Europe/London"))
    assert "Sign in with this link" in mail.text and URL in mail.text
    assert "until 2031-05-06 15:30 (Europe/London)" in mail.text
    feed_ctx = ctx("en", url=None)  # what the feed builds: no link to show
    title, body = summary(k.WELCOME, data, feed_ctx)
    assert title == "Welcome to Wisła" and "s3cr3t" not in body and "Sign in" not in body


def test_the_expiry_is_read_in_the_chapters_time_zone() -> None:
    assert local_time("2031-01-06T14:30:00+00:00", "Europe/Berlin") == "2031-01-06 15:30 (Europe/Berlin)"
    assert local_time("2031-07-06T14:30:00+00:00", "Europe/Berlin") == "2031-07-06 16:30 (Europe/Berlin)"
    assert local_time("2031-07-06T14:30:00+00:00", "Mars/Olympus") == "2031-07-06 14:30 (UTC)"
