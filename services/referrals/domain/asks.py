"""Matching members' asks against the businesses in the chapter: who could answer whose ask.

The rule (deterministic, no weights):
1. An ask's **keywords** are the words of its text, folded (lower case, accents removed), of at least 4
   letters, that are not common words of an ask (`COMMON`: "looking", "introductions", "clients", in the
   six chapter languages).
2. A member's **trade words** are the words of their business category and business name, folded the same
   way (at least 4 letters, not in `COMMON`).
3. A keyword and a trade word **match** when they are equal, or share their first n letters with
   n = max(5, length of the shorter - 3): "accountants" ~ "accountant", "plumbing" ~ "plumber",
   "printers" ~ "printing", but not "dental" ~ "dentist" (4 letters in common).
4. Member X is nudged to answer member Y's ask (`answer_ask`) when Y's ask is fresh (at most `FRESH_DAYS`
   old at the window's end), X and Y are different active members, some keyword matches some trade word
   of X, and X has not given Y a referral since the day of the ask. X's trade says X is one of the people
   Y wants to meet (an inside referral: X or their firm is the client) or works with them every day
   (an introduction). The referrals service keeps no prospect data (the members service seals it), so
   X's own business is what it can match.
Items come newest ask first (then the asker's id), naming the matched words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shared.contracts.asks import FRESH_DAYS

MIN_LETTERS = 4
COMMON = frozenset("""
looking look want wants need needs seek seeking find introduction introductions introduce introduced intro
intros contact contacts client clients customer customers people person someone anyone business businesses
company companies firm firms owner owners this that these those with from their they them have would like
month week year area local small large please thanks help more other into over about also some every
services service solutions group partners associates limited gmbh
suche suchen kontakt kontakte kunde kunden firmen unternehmen diesen dieser monat einen eine einer gerne
fuer oder sowie bitte
cherche recherche cherchons clients entreprise entreprises societe contacts mois pour avec dans des aux leur
leurs personnes
zoek zoeken zoekt klant klanten bedrijf bedrijven deze maand voor naar graag mensen
busco buscando buscamos cliente clientes empresa empresas contactos este esta para como personas
szukam szukamy klient klienci klientow firma firmy firm kontakt kontakty miesiac ktore ktory ktora oraz osoby
""".split())


def fold(text: str) -> list[str]:
    """Lower-case words without accents ("Société" → "societe"); digits and signs split words."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
    plain = plain.replace("ł", "l").replace("ß", "ss").replace("ø", "o").replace("æ", "ae")
    return [w for w in re.split(r"[^a-z]+", plain) if w]


def keywords(text: str) -> set[str]:
    return {w for w in fold(text) if len(w) >= MIN_LETTERS and w not in COMMON}


def words_match(a: str, b: str) -> bool:
    if a == b:
        return True
    need = max(5, min(len(a), len(b)) - 3)
    return len(a) >= need and len(b) >= need and a[:need] == b[:need]


def matched(ask_words: Iterable[str], trade_words: Iterable[str]) -> list[str]:
    """The ask's keywords that match one of the trade words, sorted."""
    trade = list(trade_words)
    return sorted({k for k in ask_words if any(words_match(k, t) for t in trade)})


@dataclass(frozen=True)
class Ask:
    member_id: str
    member_name: str | None
    text: str
    asked_on: date


def fresh(asks: Iterable[Ask], today: date, fresh_days: int = FRESH_DAYS) -> list[Ask]:
    return [a for a in asks if today - timedelta(days=fresh_days) <= a.asked_on <= today]


def answer_asks(member_id: str, category: str | None, business: str | None, asks: Sequence[Ask],
                given: Sequence[tuple[str, date]], today: date, members: Iterable[str]) -> list[dict[str, Any]]:
    """`answer_ask` items for `member_id`: `given` = their referrals (receiver, day); `members` = the chapter's
    active members (an ask of someone who left is not shown)."""
    trade = keywords(f"{category or ''} {business or ''}")
    active = set(members)
    items: list[tuple[date, str, dict[str, Any]]] = []
    for ask in fresh(asks, today):
        if ask.member_id == member_id or ask.member_id not in active:
            continue
        words = matched(keywords(ask.text), trade)
        if not words or any(r == ask.member_id and on >= ask.asked_on for r, on in given):
            continue
        items.append((ask.asked_on, ask.member_id, {
            "action": "answer_ask", "member_id": ask.member_id, "member_name": ask.member_name, "ask": ask.text,
            "asked_on": ask.asked_on, "matched": words}))
    items.sort(key=lambda x: (-x[0].toordinal(), x[1]))
    return [item for _, _, item in items]
