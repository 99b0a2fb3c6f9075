"""A Polish chapter's notifications read Polish (dates day first, amounts `1 234,50 zł`), and a member hears
of a slip a leader keyed in for them: who typed it and what it says, in the chapter's language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.notifications.domain import kinds as k
from services.notifications.domain.money import format_money
from services.notifications.domain.rendering import Context, render, summary
from services.notifications.service_layer.on_behalf import told
from shared.contracts.members import CeuRecorded, ReferralGiven, SealedData

NAMES = {"m-lead": "Pat Leader", "m-ann": "Ann", "m-bob": "Bob"}
SEALED = SealedData(key_id="k1", nonce="bm9uY2U=", ciphertext="c2VhbGVk")


def ctx(language: str, currency: str = "PLN") -> Context:
    return Context(recipient_name="Ann", chapter_name="Wisła", currency=currency, names=NAMES, language=language,
                   timezone="Europe/Warsaw")


def test_amounts_in_a_polish_chapter_read_the_polish_way_whatever_the_currency() -> None:
    assert format_money(Decimal("1234.5"), "PLN", "pl") == "1\u00a0234,50\u00a0zł"
    assert format_money(Decimal("1234.5"), "EUR", "pl") == "1\u00a0234,50\u00a0€"
    assert format_money(Decimal("1234.5"), "GBP", "pl") == "1\u00a0234,50\u00a0GBP"
    assert format_money(Decimal("1234.5"), "GBP", "en") == "£1,234.50"  # other languages unchanged


def test_a_polish_referral_e_mail_is_polish_with_a_day_first_date() -> None:
    mail = render(k.REFERRAL_RECEIVED, {"giver_id": "m-bob", "referral_type": "outside", "temperature": 4,
                                        "occurred_on": "2025-03-05", "referral_id": "r1"}, ctx("pl"))
    assert mail.subject == "Bob przekazał(a) Państwu rekomendację"
    assert "dnia 5 marca 2025 rekomendację zewnętrzną (temperatura 4/5)" in mail.text
    assert 'lang="pl"' in mail.html


def referral(recorded_by: str | None) -> ReferralGiven:
    return ReferralGiven(chapter_id="c1", referral_id="r1", giver_id="m-ann", receiver_id="m-bob",
                         referral_type="inside", temperature=3, prospect=SEALED, occurred_on=date(2025, 3, 5),
                         recorded_by=recorded_by)


def test_the_member_is_told_of_a_slip_a_leader_keyed_in_and_not_of_their_own() -> None:
    assert told(referral(None)) is None and told(referral("m-ann")) is None
    found = told(referral("m-lead"))
    assert found is not None
    member, data = found
    assert member == "m-ann" and data["recorded_by"] == "m-lead" and data["slip"] == "referral"
    mail = render(k.RECORDED_ON_BEHALF, data, ctx("en", "GBP"))
    assert mail.subject == "Pat Leader recorded a referral on your behalf"
    assert "Pat Leader recorded a referral on your behalf: to Bob, inside, temperature 3/5, on March 5, 2025." \
        in mail.text
    title, body = summary(k.RECORDED_ON_BEHALF, data, ctx("pl"))
    assert title == "Pat Leader zapisał(a) w Państwa imieniu rekomendację" and "5 marca 2025" in body


def test_a_ceu_keyed_in_for_a_member_names_what_was_learned() -> None:
    ceu = CeuRecorded(chapter_id="c1", ceu_id="ceu1", member_id="m-ann", description="Podcast: asking", credits=2,
                      occurred_on=date(2025, 3, 5), recorded_by="m-lead")
    found = told(ceu)
    assert found is not None and found[0] == "m-ann"
    text = render(k.RECORDED_ON_BEHALF, found[1], ctx("de", "EUR")).text
    assert "Pat Leader hat eine Weiterbildung für Sie erfasst: Podcast: asking (2), am 5. März 2025." in text
