"""The dashboard's texts: every language has every key English has, with the same placeholders (a leader of a
Polish chapter never meets an English or empty label, nor a `{count}` left unfilled)."""

from __future__ import annotations

import re
from pathlib import Path

TEXTS = Path(__file__).resolve().parents[3] / "services/referrals/entrypoints/static/dashboard-i18n.js"


def tables() -> dict[str, dict[str, str]]:
    source = TEXTS.read_text()
    body = source[source.index("const WORDS = {"):source.index("\n  };\n")]
    found: dict[str, dict[str, str]] = {}
    for language, block in re.findall(r"\n    (\w\w): \{(.*?)\n    \},", body, re.S):
        joined = re.sub(r'"\s*\+\s*"', "", block)  # strings continued with +
        found[language] = dict(re.findall(r'(\w+): "((?:[^"\\]|\\.)*)"', joined))
    return found


def test_every_language_has_every_key_with_the_same_placeholders() -> None:
    words = tables()
    assert sorted(words) == ["de", "en", "es", "fr", "nl", "pl"]
    english = words["en"]
    assert len(english) > 60
    for language, table in words.items():
        assert set(table) == set(english), (language, set(table) ^ set(english))
        for key, text in table.items():
            assert text.strip(), (language, key)
            assert sorted(re.findall(r"\{(\w+)\}", text)) == sorted(re.findall(r"\{(\w+)\}", english[key])), \
                (language, key)
