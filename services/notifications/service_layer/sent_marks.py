"""Deliveries sent, recorded together: the attempts that finish within a few milliseconds of one another
share one UPDATE (a burst of e-mails was one round trip, and one commit, per e-mail).

Each sender waits until its mark is written, as it did for its own UPDATE: what follows a send (forgetting a
sign-in link, freeing the dispatcher's slot) still comes after the status is on record. A process that dies
between a send and the write of its batch leaves those deliveries pending; their lease brings them back and
they are sent again with the same Message-ID (at least once, as before: the window is only a few
milliseconds longer). A failed write fails every sender of the batch alike: each is logged, and the lease
brings them back."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

import asyncpg

from services.notifications.adapters import postgres as db

WINDOW_SECONDS = 0.003


class SentMarks:
    def __init__(self, pool: asyncpg.Pool, window: float = WINDOW_SECONDS) -> None:
        self.pool = pool
        self.window = window
        self._waiting: list[tuple[uuid.UUID, datetime]] = []
        self._batch: asyncio.Task[None] | None = None
        self.writes = 0  # statements written: what tests count

    async def sent(self, delivery_id: uuid.UUID, at: datetime) -> None:
        """Returns once the delivery is on record as sent (with the others of its batch)."""
        self._waiting.append((delivery_id, at))
        if self._batch is None:
            self._batch = asyncio.create_task(self._write_after_window())
        # shielded: a sender cancelled while waiting (shutdown) does not cancel the others' write
        await asyncio.shield(self._batch)

    async def _write_after_window(self) -> None:
        await asyncio.sleep(self.window)
        batch, self._waiting, self._batch = self._waiting, [], None
        self.writes += 1
        await db.mark_sent_many(self.pool, batch)
