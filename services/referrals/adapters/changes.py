"""When a chapter's data moves: the projection says so with `pg_notify` in the transaction that moved it
(delivered at commit, never for a rolled-back batch), and one listening connection per process wakes the
event streams and read-your-writes waits of that process.

Notifications can be lost (the listening connection drops and reconnects), so waiters also look again every
`poll_seconds`: a lost notification only delays them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection, Iterator

import asyncpg

log = logging.getLogger(__name__)

CHANNEL = "referrals_changed"
"""Payload: the chapter id whose progress moved ('' = the all-chapters row)."""


async def announce(conn: asyncpg.Connection, chapter_ids: Collection[str]) -> None:
    """Tell every process's listener, at commit, that these chapters' data moved."""
    await conn.execute(f"SELECT pg_notify('{CHANNEL}', c) FROM unnest($1::text[]) AS c", sorted(chapter_ids))


class ChapterChanges:
    """One LISTEN connection (`run`), fanned out to the waiters of this process (`watch`, `wait`).
    Without `url` nothing listens and waiters simply look again every `poll_seconds`."""

    def __init__(self, url: str | None, poll_seconds: float) -> None:
        self.url = url
        self.poll_seconds = poll_seconds
        self._watchers: dict[str | None, set[asyncio.Event]] = {}
        self.listening = asyncio.Event()

    def _on_notify(self, _conn: object, _pid: int, _channel: str, chapter_id: str) -> None:
        for key in (chapter_id, None):
            for event in self._watchers.get(key, ()):
                event.set()

    def _wake_all(self) -> None:
        for events in self._watchers.values():
            for event in events:
                event.set()

    @contextlib.contextmanager
    def watch(self, chapter_id: str | None = None) -> Iterator[asyncio.Event]:
        """An event set whenever `chapter_id`'s data moves (None: any chapter's). Clear it before looking,
        so a change that lands while looking is not missed."""
        event = asyncio.Event()
        self._watchers.setdefault(chapter_id, set()).add(event)
        try:
            yield event
        finally:
            watchers = self._watchers.get(chapter_id, set())
            watchers.discard(event)
            if not watchers:
                self._watchers.pop(chapter_id, None)

    async def wait(self, event: asyncio.Event, timeout: float | None = None) -> None:
        """Until `event` is set, or `timeout` (default: the fallback poll) passes."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), self.poll_seconds if timeout is None else timeout)

    async def run(self, stop: asyncio.Event) -> None:
        """Listen until `stop` is set; a lost connection is reopened (meanwhile waiters poll)."""
        assert self.url is not None
        while not stop.is_set():
            try:
                conn = await asyncpg.connect(self.url)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("referrals changes: cannot listen (%s); waiters poll every %ss", exc, self.poll_seconds)
            else:
                try:
                    await conn.add_listener(CHANNEL, self._on_notify)
                    self.listening.set()
                    self._wake_all()  # whatever happened while nobody listened
                    while not stop.is_set() and not conn.is_closed():
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(stop.wait(), self.poll_seconds)
                except (OSError, asyncpg.PostgresError) as exc:
                    log.warning("referrals changes: listening connection lost (%s)", exc)
                finally:
                    self.listening.clear()
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_seconds)
