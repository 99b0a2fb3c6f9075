"""Domain events: typed payloads, their public type names, and upcasting of old versions.

An event type is named reverse-DNS with a version suffix, e.g. `org.refnet.members.referral-given.v1`.
When a payload's shape changes, the class's `version` goes up and an upcaster turns the old payload into
the new one when it is read, so stored events and old messages on a topic never have to be rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

_VERSIONED = re.compile(r"^(?P<name>[a-z0-9.\-]+)\.v(?P<version>[0-9]+)$")

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]


class DomainEvent(BaseModel):
    """Base of every event payload. Subclasses set `name`, `topic` and (when evolved) `version`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: ClassVar[str]
    """Reverse-DNS name without the version, e.g. `org.refnet.members.referral-given`."""
    topic: ClassVar[str]
    """Topic name without the deployment prefix, e.g. `members.referrals`."""
    version: ClassVar[int] = 1

    @classmethod
    def type_name(cls) -> str:
        return f"{cls.name}.v{cls.version}"


E = TypeVar("E", bound=type[DomainEvent])


class UnknownEventType(LookupError):
    pass


class InvalidEvent(ValueError):
    pass


def split_type(type_name: str) -> tuple[str, int]:
    match = _VERSIONED.match(type_name)
    if match is None:
        raise UnknownEventType(f"event type {type_name!r} has no .vN version suffix")
    return match["name"], int(match["version"])


class EventRegistry:
    """Maps public type names to payload classes; decodes any known version to the current class."""

    def __init__(self) -> None:
        self._classes: dict[str, type[DomainEvent]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, cls: E) -> E:
        if cls.name in self._classes and self._classes[cls.name] is not cls:
            raise ValueError(f"event {cls.name} registered twice")
        self._classes[cls.name] = cls
        return cls

    def upcaster(self, name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register a function turning a `from_version` payload into a `from_version + 1` one."""

        def decorate(fn: Upcaster) -> Upcaster:
            self._upcasters[(name, from_version)] = fn
            return fn

        return decorate

    def include(self, other: EventRegistry) -> None:
        for cls in other:
            self.register(cls)
        self._upcasters.update(other._upcasters)

    def __iter__(self) -> Iterator[type[DomainEvent]]:
        return iter(self._classes.values())

    def __contains__(self, type_name: str) -> bool:
        try:
            name, _ = split_type(type_name)
        except UnknownEventType:
            return False
        return name in self._classes

    def event_class(self, type_name: str) -> type[DomainEvent]:
        name, _ = split_type(type_name)
        try:
            return self._classes[name]
        except KeyError:
            raise UnknownEventType(f"unknown event type {type_name!r}") from None

    def decode(self, type_name: str, data: Payload) -> DomainEvent:
        """Validate `data`, upcasting it from its stored version to the current one first."""
        cls = self.event_class(type_name)
        name, version = split_type(type_name)
        if version > cls.version:
            raise UnknownEventType(f"{type_name!r} is newer than this service knows (v{cls.version})")
        while version < cls.version:
            step = self._upcasters.get((name, version))
            if step is None:
                raise UnknownEventType(f"no upcaster from {name} v{version}")
            data = step(dict(data))
            version += 1
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            # fields and rules only: the values may be personal data, and this text goes to logs and
            # dead-letter headers
            problems = "; ".join(".".join(str(part) for part in error["loc"]) + f": {error['msg']}"
                                 for error in exc.errors(include_input=False, include_url=False))
            raise InvalidEvent(f"{type_name}: {problems}") from None
