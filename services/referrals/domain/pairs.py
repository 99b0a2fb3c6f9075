"""One-sided pairs: one member keeps giving another referrals and gets none back."""

from __future__ import annotations

from datetime import date

from shared.contracts.referrals import PairBecameOneSided

ONE_SIDED_THRESHOLD = 3
"""Referrals given in the window, none back, from which a pair is one-sided (the default of the setting)."""


def is_one_sided(given: int, received: int, threshold: int = ONE_SIDED_THRESHOLD) -> bool:
    """`given` referrals from A to B and `received` from B to A over the window."""
    return given >= threshold and received == 0


def pair_became_one_sided(chapter_id: str, giver_id: str, receiver_id: str, given: int, received: int,
                          was_one_sided: bool, window: tuple[date, date],
                          threshold: int = ONE_SIDED_THRESHOLD) -> PairBecameOneSided | None:
    """The event due when the pair is one-sided now and was not at the last look (announced once per
    episode: it stays quiet while the pair stays one-sided, and speaks again after it evened out)."""
    if was_one_sided or not is_one_sided(given, received, threshold):
        return None
    return PairBecameOneSided(chapter_id=chapter_id, giver_id=giver_id, receiver_id=receiver_id, given=given,
                              received=received, window_from=window[0], as_of=window[1])
