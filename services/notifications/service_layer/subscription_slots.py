"""How many deliveries each webhook subscription has in flight in this process.

A receiver that hangs (or a dead host the connect timeout waits for) would otherwise take every one of the
dispatcher's slots with its backlog, and every other subscription, every other chapter and every e-mail
would wait behind it. A subscription gets at most `limit` deliveries at once: the dispatcher claims none for
a subscription that has them (`full`) and at most `limit` per claim for the others (the claim's cap); one
claimed beyond what its subscription may start now waits here, in claim order, for one of them to finish."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Mapping
from typing import Any

Delivery = Mapping[str, Any]


class SubscriptionSlots:
    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._busy: dict[str, int] = {}
        self._waiting: dict[str, deque[Any]] = {}
        self._recording: dict[str, asyncio.Lock] = {}

    def admit(self, delivery: Delivery) -> bool:
        """True (and counted) if this delivery may be sent now; else it waits for its subscription's next free
        slot (`release` hands it out). E-mails always may."""
        if delivery["channel"] != "webhook":
            return True
        subscription = delivery["recipient"]
        if self._busy.get(subscription, 0) >= self.limit:
            self._waiting.setdefault(subscription, deque()).append(delivery)
            return False
        self._busy[subscription] = self._busy.get(subscription, 0) + 1
        return True

    def release(self, delivery: Delivery) -> Any | None:
        """The delivery finished: the next one waiting for its subscription (now counted), if any."""
        if delivery["channel"] != "webhook":
            return None
        subscription = delivery["recipient"]
        waiting = self._waiting.get(subscription)
        if waiting:
            following = waiting.popleft()
            if not waiting:
                del self._waiting[subscription]
            return following  # takes over the slot
        left = self._busy.pop(subscription, 1) - 1
        if left > 0:
            self._busy[subscription] = left
        return None

    def full(self) -> list[str]:
        """Subscriptions with all their slots taken: the next claim leaves their deliveries alone."""
        return [s for s, busy in self._busy.items() if busy >= self.limit]

    def recording(self, subscription: str) -> asyncio.Lock:
        """Held while a failed attempt of the subscription is recorded: its failures are written one by one
        (they take the subscription's row lock anyway), each holding a pooled connection only while it writes."""
        return self._recording.setdefault(subscription, asyncio.Lock())

    def in_flight(self, subscription: str) -> int:
        return self._busy.get(subscription, 0)
