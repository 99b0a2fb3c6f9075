"""What a visitor who registered themself is told (confirmation, reminder) in each chapter language, and what
the member they named and the leaders are told (never the visitor's name); when the reminder is due."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from services.notifications.domain import kinds as k
from services.notifications.domain.messages import VISITORS
from services.notifications.domain.rendering import Context, render, summary
from services.notifications.service_layer.visitors import reminder_due

DATA = {"visitor_id": "v-1", "meeting_date": "2025-04-02", "invited_by": "ann", "reminder_days": 2,
        "meeting_time": "07:00"}


def ctx(language: str) -> Context:
    return Context(recipient_name="Sam Lee", chapter_name="Wisła", currency="PLN", language=language,
                   timezone="Europe/Warsaw", names={"ann": "Ann Kowalska"})


@pytest.mark.parametrize(("language", "subject", "when", "remind"), [
    ("en", "You are registered for Wisła on April 2, 2025", "on April 2, 2025 at 07:00 (Europe/Warsaw)",
     "remind you 2 days before"),
    ("de", "Sie sind für Wisła am 2. April 2025 angemeldet", "am 2. April 2025 um 07:00 (Europe/Warsaw)",
     "Sie 2 Tage vor dem Treffen"),
    ("fr", "Vous êtes inscrit à Wisła le 2 avril 2025", "du 2 avril 2025 à 07:00 (Europe/Warsaw)",
     "rappellerons 2 jours avant"),
    ("nl", "U bent aangemeld voor Wisła op 2 april 2025", "van 2 april 2025 om 07:00 (Europe/Warsaw)",
     "er 2 dagen voor"),
    ("es", "Está registrado en Wisła el 2 de abril de 2025", "del 2 de abril de 2025 a las 07:00 (Europe/Warsaw)",
     "recordaremos 2 días antes"),
    ("pl", "Rejestracja na spotkanie Wisła dnia 2 kwietnia 2025 przyjęta",
     "dnia 2 kwietnia 2025 o godzinie 07:00 (Europe/Warsaw)", "na 2 dni przed"),
])
def test_the_confirmation_in_each_language_names_the_meeting_and_the_inviter(language: str, subject: str,
                                                                             when: str, remind: str) -> None:
    mail = render(k.VISITOR_CONFIRMATION, DATA, ctx(language))
    assert mail.subject == subject
    assert remind in mail.text
    assert when in mail.text and "Ann Kowalska" in mail.text and "Sam Lee" in mail.text.splitlines()[0]
    assert f'lang="{language}"' in mail.html


def test_every_visitor_message_is_written_in_every_language() -> None:
    for key, text in VISITORS.items():
        assert all(getattr(text, language) for language in ("en", "de", "fr", "nl", "es", "pl")), key
        assert text.pl != text.en and text.de != text.en, key


def test_members_are_told_a_visitor_registered_without_the_visitors_name() -> None:
    for data in (DATA, {**DATA, "invited_by": None}):
        title, body = summary(k.VISITOR_REGISTERED, data, ctx("en"))
        assert title == "A visitor registered for April 2, 2025" and "Sam" not in body
    assert "Ann Kowalska" in summary(k.VISITOR_REGISTERED, DATA, ctx("en"))[1]
    assert "nobody invited them" in summary(k.VISITOR_REGISTERED, {**DATA, "invited_by": None}, ctx("en"))[1]


def test_the_reminder_is_due_two_days_before_at_the_meetings_local_time_across_a_clock_change() -> None:
    # Warsaw moves to summer time on 30 March 2025: 07:00 on the 31st is 05:00 UTC, on the 28th 06:00 UTC
    assert reminder_due(date(2025, 4, 2), time(7), "Europe/Warsaw", 2) == datetime(2025, 3, 31, 5, tzinfo=UTC)
    assert reminder_due(date(2025, 3, 30), time(7), "Europe/Warsaw", 2) == datetime(2025, 3, 28, 6, tzinfo=UTC)
    assert reminder_due(date(2025, 4, 2), time(19, 30), "America/New_York", 2) == datetime(2025, 3, 31, 23, 30,
                                                                                            tzinfo=UTC)


def test_webhooks_never_carry_a_visitors_contact_even_sealed() -> None:
    from services.notifications.service_layer.reactions import webhook_payload

    sealed = {"key_id": "k", "nonce": "n", "ciphertext": "c"}
    payload = webhook_payload("org.refnet.members.visitor-invited.v2", "e1", datetime(2025, 3, 1, tzinfo=UTC),
                              {"visitor_id": "v-1", "contact": sealed, "self_registered": True,
                               "meeting_date": "2025-03-12"})
    assert "contact" not in payload["data"] and payload["data"]["meeting_date"] == "2025-03-12"


def test_a_one_day_reminder_is_counted_in_the_singular() -> None:
    assert "remind you 1 day before" in render(k.VISITOR_CONFIRMATION, {**DATA, "reminder_days": 1}, ctx("en")).text
    assert "na 1 dzień przed" in render(k.VISITOR_CONFIRMATION, {**DATA, "reminder_days": 1}, ctx("pl")).text
