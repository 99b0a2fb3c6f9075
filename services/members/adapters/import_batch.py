"""The unit of work of an import's batch of slip rows: the rows are decided one by one, exactly as live
slips, but appended together at `flush` (one multi-stream append, one pass of the projections), which is
what makes an import fast. A dry run decides the same way and writes nothing at all."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from services.members.adapters.postgres import PostgresUnitOfWork
from services.members.adapters.projections import project
from shared.auth import Principal
from shared.clock import Clock
from shared.contracts.members import SealedData
from shared.event_store import Append, EventStore
from shared.events import DomainEvent


class DryRunKeys:
    """No key is made in a dry run: the prospect (or visitor) is never sealed, since nothing is recorded."""

    async def seal(self, owner_id: str, data: dict[str, Any]) -> SealedData:
        return SealedData(key_id="dry-run", nonce="", ciphertext="")

    async def erase(self, key_id: str) -> None:
        return None


class ImportBatch(PostgresUnitOfWork):
    def __init__(self, conn: asyncpg.Connection, store: EventStore, principal: Principal, clock: Clock,
                 token_secret: str, *, dry_run: bool) -> None:
        super().__init__(conn, store, principal, clock, token_secret)
        self.dry_run = dry_run
        self.appends: list[Append] = []
        self.decided: dict[uuid.UUID, DomainEvent] = {}
        if dry_run:
            self.prospect_keys = self.visitor_keys = DryRunKeys()

    async def append(self, stream_id: str, expected_version: int | None, events: Sequence[DomainEvent]) -> None:
        if self.dry_run or not events:
            return
        news = self.new_events(events)
        self.appends.append(Append(stream_id, expected_version, news))
        self.decided.update((new.event_id, event) for new, event in zip(news, events, strict=True))

    async def flush(self) -> None:
        """Append every decided row in one go (a concurrent append of one of them fails them all: the batch
        is decided again)."""
        if self.appends:
            recorded = await self.store.append_all(self.appends, conn=self.conn)
            await project(self.conn, recorded, self.decided)
            self.last_position = recorded[-1].position
        self.appends, self.decided = [], {}
