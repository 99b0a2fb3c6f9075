"""One message in every language a chapter can choose (ChapterFounded.language): a row of the catalogue,
English, German, French, Dutch, Spanish and Polish."""

from __future__ import annotations

from typing import NamedTuple


class Text(NamedTuple):
    """Every chapter language (the members contract's `Language`) is a required field, so a message cannot be
    added without all its translations."""

    en: str
    de: str
    fr: str
    nl: str
    es: str
    pl: str


LANGUAGES: tuple[str, ...] = Text._fields
