"""The weekly digest's lines for the member's next best actions and the chapter's asks (data kept by
`service_layer/digest_extras.py`), in the chapter's language."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal

from services.notifications.domain.messages import translator
from services.notifications.domain.money import locale_of


def points(value: Any, language: str) -> str:
    """Points as the language writes a number (CLDR, by Babel): `1.5`, `1,5`."""
    return str(format_decimal(Decimal(str(value)), locale=locale_of(language)))


def digest_lines(data: dict[str, Any], language: str, name: Callable[[str | None], str],
                 day: Callable[[str], str]) -> list[str]:
    t = translator(language)
    lines: list[str] = []
    actions = data.get("next_actions") or []
    if actions:
        lines.append(t("actions.title", date=day(data.get("next_actions_as_of") or "?")))
        for a in actions:
            kind, who = a["action"], name(a.get("member_id"))
            if kind == "lift":
                lines.append(t("actions.lift", area=t(f"actions.area.{a['area']}"), more=a["more"],
                               points=points(a["points"], language), colour=t(f"colour.{a['colour_after']}")))
            elif kind == "give_back":
                lines.append(t("actions.give_back", name=who, n=a.get("referrals_received", "?")))
            elif kind == "answer_ask":
                lines.append(t("actions.answer_ask", name=who, ask=a["ask"], words=", ".join(a.get("matched", []))))
            elif kind == "refer_after_one_to_one":
                lines.append(t("actions.refer_after_one_to_one", name=who))
            elif kind == "revive":
                lines.append(t("actions.revive", name=who, date=day(a["last_referral_on"])))
    asks = data.get("asks") or []
    if asks:
        lines.append(t("asks.title"))
        lines += [t("asks.item", name=name(a["member_id"]), ask=a["text"], date=day(a["asked_on"])) for a in asks]
    return lines
