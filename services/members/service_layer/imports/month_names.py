"""Month names as chapters write them in dates (`6 March 2024`, `6. März 2024`, `6 de marzo de 2024`,
`6 marca 2024`), in every chapter language: full names, the usual abbreviations, and Polish in both the
nominative (`marzec`) and the genitive a date uses (`6 marca`)."""

from __future__ import annotations

import unicodedata

FULL_NAMES: tuple[tuple[str, ...], ...] = (
    # en, de, fr, nl, es, pl (nominative, genitive)
    ("january", "januar", "janvier", "januari", "enero", "styczen", "stycznia"),
    ("february", "februar", "fevrier", "februari", "febrero", "luty", "lutego"),
    ("march", "marz", "mars", "maart", "marzo", "marzec", "marca"),
    ("april", "avril", "abril", "kwiecien", "kwietnia"),
    ("may", "mai", "mei", "mayo", "maj", "maja"),
    ("june", "juni", "juin", "junio", "czerwiec", "czerwca"),
    ("july", "juli", "juillet", "julio", "lipiec", "lipca"),
    ("august", "aout", "augustus", "agosto", "sierpien", "sierpnia"),
    ("september", "septembre", "septiembre", "wrzesien", "wrzesnia"),
    ("october", "oktober", "octobre", "octubre", "pazdziernik", "pazdziernika"),
    ("november", "novembre", "noviembre", "listopad", "listopada"),
    ("december", "dezember", "decembre", "diciembre", "grudzien", "grudnia"),
)
ABBREVIATIONS: dict[str, int] = {"mrt": 3, "sept": 9, "janv": 1, "fevr": 2, "juil": 7, "sty": 1, "lut": 2, "kwi": 4,
                                 "cze": 6, "lip": 7, "sie": 8, "wrz": 9, "paz": 10, "lis": 11, "gru": 12}


def _plain(text: str) -> str:
    """Lower case without accents or a final dot: `März` -> `marz`, `févr.` -> `fevr`, `paź` -> `paz`."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().rstrip("."))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("ł", "l")


def month_number(word: str) -> int | None:
    """1-12 for a month's name, abbreviation or a prefix of at least three letters that only one month's
    names start with (`Sep`, `Okt`, `dic`); None when unknown or ambiguous (`jui`: juin or juillet?)."""
    plain = _plain(word)
    if len(plain) < 3:
        return None
    if plain in ABBREVIATIONS:
        return ABBREVIATIONS[plain]
    exact = {n for n, names in enumerate(FULL_NAMES, 1) if plain in names}
    if exact:
        return exact.pop()
    months = {n for n, names in enumerate(FULL_NAMES, 1) if any(name.startswith(plain) for name in names)}
    return months.pop() if len(months) == 1 else None
