"""`refnet dlq list | replay`: an event a consumer could not apply is listed with its reason and, once the
cause is fixed, replayed into the consumer, applied once, and never replayed twice."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence

import asyncpg

from shared.consumer import Delivered
from tests.conftest import ROOT
from tests.integration.foundation.test_consumer import _committed, _publish_things
from tests.integration.foundation.things import CountingProjection, ThingHappened, running_consumer, wait_until


class RefusesSevens(CountingProjection):
    """A projection with a bug: it cannot handle n == 7 until `fixed`."""

    fixed = False

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        for delivered in events:
            assert isinstance(delivered.payload, ThingHappened)
            if delivered.payload.n == 7 and not self.fixed:
                raise ValueError("sevens are not handled yet")
        await super().apply(conn, events)


def _refnet(*args: str, kafka: str, prefix: str) -> str:
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka, "DATABASE_URL": "postgresql://unused@127.0.0.1:1/x",
           "REFNET_TOPIC_PREFIX": prefix}
    result = subprocess.run([sys.executable, "-m", "infra.cli", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


async def test_a_dead_letter_is_listed_replayed_after_the_fix_and_applied_once(
        pool: asyncpg.Pool, kafka_ready: str, topic_prefix: str) -> None:
    topic, group = f"{topic_prefix}.things", f"{topic_prefix}.g"
    await CountingProjection.create(pool)
    await _publish_things(pool, kafka_ready, topic, 10)
    projection = RefusesSevens()
    async with running_consumer(pool, kafka_ready, [topic], projection, group):
        await wait_until(lambda: _committed(kafka_ready, group, topic, 10))
        assert [r["n"] for r in await pool.fetch("SELECT n FROM thing_counts ORDER BY n")] == [0, 1, 2, 3, 4, 5, 6,
                                                                                              8, 9]
        listed = _refnet("dlq", "list", topic, kafka=kafka_ready, prefix=topic_prefix)
        assert "org.refnet.test.thing-happened.v1" in listed and "sevens are not handled yet" in listed
        assert "1 dead letter(s)" in listed

        projection.fixed = True
        assert "replayed 1 dead letter(s)" in _refnet("dlq", "replay", topic, kafka=kafka_ready, prefix=topic_prefix)
        await wait_until(lambda: _committed(kafka_ready, group, topic, 11))
        assert "replayed 0 dead letter(s)" in _refnet("dlq", "replay", topic, kafka=kafka_ready, prefix=topic_prefix)

    rows = await pool.fetch("SELECT n, times FROM thing_counts ORDER BY n")
    assert [(r["n"], r["times"]) for r in rows] == [(n, 1) for n in range(10)]
