"""A chapter (C1, Wednesdays 07:00 Europe/London, GBP) with Pat (president), Ann and Bob, on the real parts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from shared.contracts.members import members_events
from shared.settings import Settings
from tests.e2e.notifications.helpers import Clock, EventSource, Inbox, Receiver, smtp_server, webhook_receiver


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def inbox(smtp: tuple[Inbox, int]) -> Inbox:
    return smtp[0]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as r:
        yield r


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def members(settings: Settings) -> AsyncIterator[EventSource]:
    async with EventSource(settings, "members", members_events) as source:
        yield source


@pytest.fixture
async def referrals_source(settings: Settings) -> AsyncIterator[Any]:
    from shared.contracts.referrals import referrals_events

    async with EventSource(settings, "referrals", referrals_events) as source:
        yield source
