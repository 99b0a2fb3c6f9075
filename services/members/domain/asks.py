"""A member's ask: the kind of client or introduction they want this month, one line, dated.

Members write their own ask (set it, or clear it). A leader may clear another member's ask (an ask that
should not be shown to the chapter) but never write words in someone else's name.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from services.members.domain.chapter import LEADERSHIP, Chapter
from services.members.domain.errors import Forbidden, InvalidField
from shared.contracts.asks import ASK_MAX_LENGTH, AskUpdated

ASK_MIN_LENGTH = 3
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Invisible characters that reorder the text around them: an ask that reads one way and says another."""


def checked_text(text: str) -> str:
    """The ask as it will be shown: surrounding space trimmed, inner runs of space kept as one; refused
    (422 naming `text`) when too short or long, or when it holds control or direction-changing characters."""
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cs", "Co") or ch in _BIDI_CONTROLS:
            raise InvalidField("text", f"control character U+{ord(ch):04X} is not allowed in an ask")
    cleaned = " ".join(text.split())
    if len(cleaned) < ASK_MIN_LENGTH:
        raise InvalidField("text", f"an ask needs at least {ASK_MIN_LENGTH} characters")
    if len(cleaned) > ASK_MAX_LENGTH:
        raise InvalidField("text", f"an ask has at most {ASK_MAX_LENGTH} characters ({len(cleaned)} given)")
    return cleaned


def set_ask(chapter: Chapter, caller_id: str | None, member_id: str, text: str, today: date) -> AskUpdated:
    """Only the member writes their ask."""
    chapter.member(member_id)
    if caller_id != member_id:
        raise Forbidden("members write their own ask only")
    chapter.active_member(member_id)
    return AskUpdated(chapter_id=chapter.chapter_id, member_id=member_id, text=checked_text(text), asked_on=today)


def clear_ask(chapter: Chapter, caller_id: str | None, member_id: str, today: date, *,
              caller_is_admin: bool = False) -> AskUpdated:
    """The member clears their ask; a leader (or the administrator) may clear anyone's."""
    chapter.member(member_id)
    if caller_id != member_id and not caller_is_admin:
        caller = chapter.members.get(caller_id or "")
        if caller is None or not caller.active or caller.role not in LEADERSHIP:
            raise Forbidden("members clear their own ask; leaders may clear anyone's")
    return AskUpdated(chapter_id=chapter.chapter_id, member_id=member_id, text=None, asked_on=today,
                      updated_by=None if caller_id == member_id else (caller_id or "admin"))
