"""What every aggregate of the members service shares: one stream of events is its whole state.

An aggregate is replayed from its stream (`load`), counts one version per event (the version the next
append expects) and exists once its stream's first event (founding, giving, reporting...) is there.
Its decisions check a rule and return the event; they never change it: the caller records the event,
and the repository applies what it recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Self

from shared.events import DomainEvent


@dataclass
class Aggregate:
    aggregate_id: str
    version: int = field(default=0, kw_only=True)
    chapter_id_recorded: str | None = field(default=None, kw_only=True)
    """The chapter its first event was recorded in (every event of this service names one)."""

    @classmethod
    def load(cls, aggregate_id: str, history: Iterable[DomainEvent]) -> Self:
        aggregate = cls(aggregate_id)
        for event in history:
            aggregate.apply(event)
        return aggregate

    def apply(self, event: DomainEvent) -> None:
        self.version += 1
        if self.chapter_id_recorded is None:
            self.chapter_id_recorded = getattr(event, "chapter_id", None)
        self.when(event)

    def when(self, event: DomainEvent) -> None:
        """How `event` changes the state (each aggregate says; events it does not know change nothing)."""
        raise NotImplementedError

    @property
    def exists(self) -> bool:
        """A stream's first event creates what it records: before it, there is nothing."""
        return self.version > 0

    def belongs_to(self, chapter_id: str) -> bool:
        """Recorded in this chapter: another chapter's id is, for the caller, simply not there."""
        return self.exists and self.chapter_id_recorded == chapter_id
