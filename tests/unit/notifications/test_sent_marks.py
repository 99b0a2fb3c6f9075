"""Sent marks are written together: deliveries finishing at once share one statement, each sender returns only
once its mark is written, and a failed write fails each of them (their lease brings them back)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from services.notifications.service_layer.sent_marks import SentMarks

NOW = datetime(2025, 1, 1, tzinfo=UTC)


class Pool:
    def __init__(self, fail: bool = False) -> None:
        self.statements: list[tuple[Any, ...]] = []
        self.fail = fail

    async def execute(self, *args: Any) -> None:
        if self.fail:
            raise ConnectionError("the database went away")
        self.statements.append(args)


async def test_deliveries_finishing_together_share_one_statement() -> None:
    pool = Pool()
    marks = SentMarks(pool)  # type: ignore[arg-type]
    ids = [uuid.uuid4() for _ in range(50)]
    await asyncio.gather(*(marks.sent(i, NOW) for i in ids))
    [(sql, written, times)] = pool.statements
    assert "UPDATE n_deliveries" in sql and sorted(written) == sorted(ids) and times == [NOW] * 50
    await marks.sent(ids[0], NOW)  # a later one: a statement of its own
    assert len(pool.statements) == 2 and pool.statements[1][1] == [ids[0]]


async def test_a_sender_returns_only_after_its_mark_is_written_and_a_failed_write_fails_each() -> None:
    marks = SentMarks(Pool(fail=True))  # type: ignore[arg-type]
    results = await asyncio.gather(*(marks.sent(uuid.uuid4(), NOW) for _ in range(3)), return_exceptions=True)
    assert [type(r) for r in results] == [ConnectionError] * 3
    pool = Pool()
    marks = SentMarks(pool)  # type: ignore[arg-type]
    sender = asyncio.create_task(marks.sent(uuid.uuid4(), NOW))
    await asyncio.sleep(0)
    assert not sender.done() and pool.statements == []
    await sender
    assert len(pool.statements) == 1


async def test_a_sender_cancelled_while_waiting_does_not_cancel_the_others_write() -> None:
    pool = Pool()
    marks = SentMarks(pool)  # type: ignore[arg-type]
    first, second = uuid.uuid4(), uuid.uuid4()
    cancelled = asyncio.create_task(marks.sent(first, NOW))
    waiting = asyncio.create_task(marks.sent(second, NOW))
    await asyncio.sleep(0)
    cancelled.cancel()
    await waiting
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert sorted(pool.statements[0][1]) == sorted([first, second])
