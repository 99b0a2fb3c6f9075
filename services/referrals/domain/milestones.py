"""A referral's milestones (accepted, contacted, won, closed) from its status steps, and what its
conversion announces.

Steps may arrive in any order and may skip stages (a referral recorded straight as won, an import of old
slips), so every milestone is read from the whole step history: the first day a step reached it or a stage
beyond it. The status is the last step's (by the day it happened, then the order it was recorded).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shared.contracts.members import OPEN_STATUSES, PIPELINE, REFERRAL_STEPS

REACHED_BY: dict[str, frozenset[str]] = {stage: frozenset(PIPELINE[i:]) for i, stage in enumerate(PIPELINE) if i}
"""Milestone → the statuses whose step reaches it: the stage itself and every later stage of the pipeline."""
REACHED_BY["accepted"] |= {"lost"}
# A lost referral was accepted (only a contacted one can be lost), but it is given no contact day of its own:
# days to first contact count only referrals whose contact (or win) was recorded, as they always have.
CLOSED_STATUSES: frozenset[str] = frozenset(REFERRAL_STEPS) - OPEN_STATUSES
"""Statuses nothing follows (won, lost, declined): the first step to one closes the referral."""


@dataclass(frozen=True, slots=True)
class Step:
    to_status: str
    occurred_on: date
    seq: int  # the members store's position: which of two steps on the same day came last


@dataclass(frozen=True, slots=True)
class Milestones:
    status: str
    accepted_on: date | None
    contacted_on: date | None
    won_on: date | None
    closed_on: date | None
    last_step_on: date


def _first(steps: list[Step], statuses: frozenset[str]) -> date | None:
    return min((s.occurred_on for s in steps if s.to_status in statuses), default=None)


def milestones(steps: Iterable[Step]) -> Milestones | None:
    """None for a referral without steps (it stays `given`, with no milestones)."""
    steps = list(steps)
    if not steps:
        return None
    last = max(steps, key=lambda s: (s.occurred_on, s.seq))
    return Milestones(status=last.to_status, accepted_on=_first(steps, REACHED_BY["accepted"]),
                      contacted_on=_first(steps, REACHED_BY["contacted"]), won_on=_first(steps, REACHED_BY["won"]),
                      closed_on=_first(steps, CLOSED_STATUSES), last_step_on=last.occurred_on)


def days_to_close(given_on: date, won_on: date) -> int:
    """Days between the happened-on dates of the referral and its win."""
    return (won_on - given_on).days


def days_to_first_contact(given_on: date, contacted_on: date | None) -> int | None:
    return (contacted_on - given_on).days if contacted_on else None
