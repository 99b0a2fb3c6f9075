"""One message in every language a chapter can choose (ChapterFounded.language): a row of the catalogue,
and in the languages being added (optional columns, English where a message has no translation yet)."""

from __future__ import annotations

from typing import NamedTuple


class Text(NamedTuple):
    """Every chapter language is a required field, so a message cannot be added without all its translations.
    Polish is being added (the sign-in messages have it; chapters cannot choose it yet, the members contract's
    `Language` does not list it): where a message has no Polish text, the English one is used."""

    en: str
    de: str
    fr: str
    nl: str
    es: str
    pl: str | None = None


LANGUAGES: tuple[str, ...] = Text._fields
