"""Counted nouns: "1 referral", "2 rekomendacje", "5 rekomendacji". Each language has its own plural
categories (CLDR: English one/other, Polish one/few/many/other); Babel says which one a number takes, and the
number itself is written the language's way (`1,010`, `1.010`, `1 010`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from babel.numbers import format_decimal

from services.notifications.domain.money import locale_of

Forms = Mapping[str, str]  # CLDR plural category -> the words after the number


class Counted(NamedTuple):
    """Every chapter language is a required field; a category a language's forms leave out reads "other"."""

    en: Forms
    de: Forms
    fr: Forms
    nl: Forms
    es: Forms
    pl: Forms


def _pl(one: str, few: str, many: str) -> Forms:
    # Polish "other" is for fractions, which slips never are: the genitive plural, as "many"
    return {"one": one, "few": few, "many": many, "other": many}


COUNTED: dict[str, Counted] = {
    "referral": Counted(
        en={"one": "referral", "other": "referrals"}, de={"one": "Empfehlung", "other": "Empfehlungen"},
        fr={"one": "recommandation", "other": "recommandations"}, nl={"one": "referral", "other": "referrals"},
        es={"one": "referencia", "other": "referencias"}, pl=_pl("rekomendacja", "rekomendacje", "rekomendacji")),
    "closed-business": Counted(
        en={"one": "closed business slip", "other": "closed business slips"},
        de={"one": "Geschäftsabschluss", "other": "Geschäftsabschlüsse"},
        fr={"one": "affaire conclue", "other": "affaires conclues"},
        nl={"one": "gesloten zaak", "other": "gesloten zaken"},
        es={"one": "negocio cerrado", "other": "negocios cerrados"},
        pl=_pl("zamknięty biznes", "zamknięte biznesy", "zamkniętych biznesów")),
    "one-to-one": Counted(
        en={"one": "one-to-one", "other": "one-to-ones"}, de={"one": "Einzelgespräch", "other": "Einzelgespräche"},
        fr={"one": "tête-à-tête", "other": "tête-à-tête"}, nl={"one": "één-op-één", "other": "één-op-ééns"},
        es={"one": "reunión uno a uno", "other": "reuniones uno a uno"},
        pl=_pl("spotkanie jeden na jeden", "spotkania jeden na jeden", "spotkań jeden na jeden")),
    "ceu": Counted(
        en={"one": "education credit", "other": "education credits"},
        de={"one": "Weiterbildung", "other": "Weiterbildungen"}, fr={"one": "formation", "other": "formations"},
        nl={"one": "opleidingspunt", "other": "opleidingspunten"},
        es={"one": "crédito de formación", "other": "créditos de formación"},
        pl=_pl("punkt edukacyjny", "punkty edukacyjne", "punktów edukacyjnych")),
    "visitor": Counted(
        en={"one": "visitor", "other": "visitors"}, de={"one": "Gast", "other": "Gäste"},
        fr={"one": "visiteur", "other": "visiteurs"}, nl={"one": "bezoeker", "other": "bezoekers"},
        es={"one": "visitante", "other": "visitantes"}, pl=_pl("gość", "goście", "gości")),
    "day": Counted(  # a visitor's reminder comes "2 days" before the meeting
        en={"one": "day", "other": "days"}, de={"one": "Tag", "other": "Tage"}, fr={"one": "jour", "other": "jours"},
        nl={"one": "dag", "other": "dagen"}, es={"one": "día", "other": "días"}, pl=_pl("dzień", "dni", "dni")),
}


def counted(language: str, noun: str, n: int) -> str:
    """`counted("pl", "referral", 22)` → `22 rekomendacje`; a noun this version does not know: `22 <noun>`."""
    locale = locale_of(language)
    number = format_decimal(n, locale=locale)
    forms = COUNTED.get(noun)
    if forms is None:
        return f"{number} {noun}"
    table: Forms = getattr(forms, locale.language, forms.en)
    return f"{number} {table.get(locale.plural_form(n), table['other'])}"
