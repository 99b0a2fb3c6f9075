"""What notifications say, in each language a chapter can choose (ChapterFounded.language).

The catalogue is a table: one row (`Text`) per message, one column per language, kept in modules by
subject. English is the reference: a key or language this version does not know falls back to English
rather than fail a delivery.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.notifications.domain.messages.asks import ASKS
from services.notifications.domain.messages.behalf import BEHALF
from services.notifications.domain.messages.chapter import CHAPTER
from services.notifications.domain.messages.history import HISTORY
from services.notifications.domain.messages.referrals import REFERRALS
from services.notifications.domain.messages.sign_in import SIGN_IN
from services.notifications.domain.messages.text import LANGUAGES, Text
from services.notifications.domain.messages.visitors import VISITORS
from services.notifications.domain.messages.words import WORDS

MESSAGES: dict[str, Text] = {**WORDS, **REFERRALS, **CHAPTER, **SIGN_IN, **BEHALF, **HISTORY, **VISITORS, **ASKS}

# the table read by column: language -> key -> template (English where a language being added has no text yet)
CATALOGUES: dict[str, dict[str, str]] = {
    language: {key: getattr(text, language) or text.en for key, text in MESSAGES.items()} for language in LANGUAGES}
EN = CATALOGUES["en"]


def translator(language: str) -> Callable[..., str]:
    """`t(key, **fields)` in `language`, English where a key or the language is missing."""
    catalogue = CATALOGUES.get(language, EN)

    def t(key: str, **fields: Any) -> str:
        template = catalogue.get(key) or EN.get(key)
        if template is None:  # a value this version has no word for (a new colour, say): show it as it is
            return key.split(".", 1)[-1]
        return template.format(**fields)

    return t
