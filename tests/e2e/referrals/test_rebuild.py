"""Rebuild equals live after a long random history (with duplicates and out-of-order topics)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from services.referrals.adapters import bulk, daily_totals
from services.referrals.adapters.daily_totals import PAIR_REFERRALS, SOURCE_TABLES, TOTALS, Totals
from services.referrals.adapters.schema import DATA_TABLES
from services.referrals.service_layer.rebuild import rebuild
from shared.contracts.members import ClosedBusinessConfirmed, ClosedBusinessDisputed
from shared.settings import Settings
from tests.e2e.referrals.helpers import (
    MembersFeed,
    attendance,
    auth,
    ceu,
    chapter,
    closed,
    joined,
    one_to_one,
    referral,
    running_app,
    step,
    visitor,
    wait_applied,
    wait_consumed,
)


def random_history(seed: int, chapters: int = 2, members: int = 8, days: int = 400) -> list[Any]:
    rng = random.Random(seed)
    start = date(2024, 1, 3)
    events: list[Any] = []
    for c in range(chapters):
        cid = f"c{c}"
        events.append(chapter(cid, region="west"))
        ms = [f"{cid}m{i}" for i in range(members)]
        events += [joined(cid, m, start - timedelta(days=30)) for m in ms]
        n = 0
        for week in range(days // 7):
            day = start + timedelta(days=7 * week)
            for m in ms:
                events.append(attendance(cid, m, day, rng.choice("PPPPALMS")))
            for _ in range(rng.randint(0, 6)):
                n += 1
                g, r = rng.sample(ms, 2)
                rid = f"{cid}r{n}"
                events.append(referral(cid, rid, g, r, day, rng.randint(1, 5), rng.choice(["inside", "outside"])))
                if rng.random() < 0.6:
                    events.append(step(cid, rid, g, r, "given", "contacted", day + timedelta(days=rng.randint(0, 5))))
                    if rng.random() < 0.5:
                        won = day + timedelta(days=rng.randint(6, 40))
                        events.append(step(cid, rid, g, r, "contacted", "won", won))
                        events.append(closed(cid, f"{rid}cb", r, g, f"{rng.randint(100, 5000)}.{rng.randint(10, 99)}",
                                             won, rid=rid))
                        if rng.random() < 0.15:  # disputed later: its value leaves the daily totals
                            events.append(ClosedBusinessDisputed(
                                chapter_id=cid, closed_business_id=f"{rid}cb", thanked_member_id=g,
                                reason="not mine", occurred_on=won + timedelta(days=3)))
                        for later in range(rng.choice([0, 0, 1, 2])):  # confirmed, maybe twice: the latest day
                            events.append(ClosedBusinessConfirmed(
                                chapter_id=cid, closed_business_id=f"{rid}cb", thanked_member_id=g,
                                occurred_on=won + timedelta(days=5 - later)))
                if rng.random() < 0.1:  # recorded again, corrected: the latest one counts
                    events.append(referral(cid, rid, g, r, day + timedelta(days=1), rng.randint(1, 5), "inside"))
            if rng.random() < 0.2:  # a status step whose referral never arrives: a stub referral
                g, r = rng.sample(ms, 2)
                events.append(step(cid, f"{cid}s{week}", g, r, "given", "contacted", day))
            if rng.random() < 0.5:
                a, b = rng.sample(ms, 2)
                events.append(one_to_one(cid, f"{cid}o{week}", a, b, day))
            if rng.random() < 0.3:
                events.append(ceu(cid, f"{cid}e{week}", rng.choice(ms), day, rng.randint(1, 3)))
            if rng.random() < 0.2:
                events += visitor(cid, f"{cid}v{week}", rng.choice(ms), day)
    return events


async def _table(conn: asyncpg.Connection, schema: str, table: str) -> set[tuple[Any, ...]]:
    return {tuple(r) for r in await conn.fetch(f"SELECT * FROM {schema}.{table}")}


async def _totals(conn: asyncpg.Connection, schema: str, totals: Totals) -> set[tuple[Any, ...]]:
    """A table of daily totals without its all-zero rows (left where a change took back all a day had)."""
    nonzero = " OR ".join(f"{c} <> 0" for c, _ in totals.sums)
    return {tuple(r) for r in await conn.fetch(f"SELECT * FROM {schema}.{totals.name} WHERE {nonzero}")}


@pytest.mark.parametrize("copy_rows", [None, 1], ids=["default", "all-through-copy"])
async def test_rebuild_equals_live(settings: Settings, copy_rows: int | None,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """`copy_rows=1`: the rebuild writes every table through COPY and the staging tables (the path its
    big batches take), the live consumer through arrays, and both must agree."""
    events = random_history(11, chapters=6)  # six chapters: both rebuild processes have some (12 partitions)
    async with MembersFeed(settings) as feed, running_app(settings) as (app, client):
        half = len(events) // 2
        await feed.record(*events[:half])
        await feed.republish_everything()  # duplicates on the topics
        last = await feed.record(*events[half:])
        await wait_applied(client, "c1", last, settings.admin_token)
        await wait_consumed(settings)  # every topic, not only the last event's
        params = {"from": "2024-03-01", "to": "2024-09-30"}
        before = {path: (await client.get(path, params=params, headers=auth(settings.admin_token))).json()
                  for path in ("/chapters/c0/reciprocity", "/chapters/c1/conversion", "/chapters/c0/summary",
                               "/regions/west")}
        seen: list[int] = []
        if copy_rows is not None:
            monkeypatch.setattr(bulk, "COPY_ROWS", copy_rows)
        result = await rebuild(settings, progress=lambda p: seen.append(p.events), drop_old=False)
        assert result["schema"] == "referrals_g2" and seen and result["events"] >= len(events)
        assert result["processes"] == 2, f"REFERRALS_REBUILD_WORKERS (2) processes replayed: {result}"
        if result["events_after_swap"] == 0:  # (stale end offsets in a Kafka hiccup leave some to the replay
            # after the swap, which upserts): the replay's COPY and its workers did the whole history
            # (whether a republished copy reaches the COPY and is dropped at the keys, or is skipped before by
            # its applied position, depends on batching: either way the tables below must hold it once)
            assert all(result["events_by_process"]), f"both processes replayed a shard: {result}"
        after = {path: (await client.get(path, params=params, headers=auth(settings.admin_token))).json()
                 for path in before}
        assert (await client.get("/health")).json()["projection_schema"] == "referrals_g2"
        pool: asyncpg.Pool = app.state.service.pool
        async with pool.acquire() as conn:
            for table in DATA_TABLES:
                live, rebuilt = await _table(conn, "referrals_g1", table), await _table(conn, "referrals_g2", table)
                assert live == rebuilt, table
            # the live generation's totals were kept by its triggers, batch by batch, through duplicates,
            # steps before their referral and disputes; the rebuild's were summed once from the facts
            for totals in TOTALS:
                live, rebuilt = await _totals(conn, "referrals_g1", totals), await _totals(conn, "referrals_g2", totals)
                assert live == rebuilt and live, totals.name
            live = await _table(conn, "referrals_g1", PAIR_REFERRALS)
            rebuilt = await _table(conn, "referrals_g2", PAIR_REFERRALS)
            assert live == rebuilt and live, PAIR_REFERRALS
            # a generation from before the pairs' last referrals gets them, from its daily totals, when a
            # service starts
            await conn.execute(f"DROP TABLE referrals_g1.{PAIR_REFERRALS}")
        daily_totals._ENSURED.clear()
        await daily_totals.ensure_totals(pool, "referrals_g1")
        async with pool.acquire() as conn:
            assert await _table(conn, "referrals_g1", PAIR_REFERRALS) == rebuilt
            # a generation from before the daily totals gets them, summed from its facts, when a service starts
            await conn.execute("DROP TABLE referrals_g1.pair_days, referrals_g1.one_to_one_days,"
                               f" referrals_g1.chapter_days, referrals_g1.{PAIR_REFERRALS}")
            await conn.execute("; ".join(f"DROP FUNCTION referrals_g1.totals_{t}_{op} CASCADE"
                                         for t in SOURCE_TABLES for op in ("insert", "update", "delete")))
        daily_totals._ENSURED.clear()
        await daily_totals.ensure_totals(pool, "referrals_g1")
        async with pool.acquire() as conn:
            for totals in TOTALS:
                assert await _totals(conn, "referrals_g1", totals) == await _totals(conn, "referrals_g2", totals)
            assert await _table(conn, "referrals_g1", PAIR_REFERRALS) == rebuilt
        for path, report in before.items():
            assert {k: v for k, v in report.items() if k != "as_of"} == \
                {k: v for k, v in after[path].items() if k != "as_of"}, path
        # the live consumer keeps writing into the new generation
        marker = await feed.record(referral("c0", "late", "c0m1", "c0m2", date(2024, 5, 1)))
        await wait_applied(client, "c0", marker, settings.admin_token)
        ledger = await client.get("/chapters/c0/referrals", params={**params, "member_id": "c0m1"},
                                  headers=auth(settings.admin_token))
        assert "late" in {r["referral_id"] for r in ledger.json()["referrals"]}


KILLABLE_REBUILD = """
import asyncio, sys
from services.referrals.adapters.projection import ReferralsProjection
from services.referrals.service_layer import rebuild, replay
from shared.settings import load_settings

replay.BATCH = 100  # many small batches, each committed: killed between two of them, not before the first
apply = ReferralsProjection.apply_facts

async def slowly(self, *args, **kwargs):  # room for the kill between two batches, even on a busy machine
    await asyncio.sleep(0.05)
    await apply(self, *args, **kwargs)

ReferralsProjection.apply_facts = slowly
asyncio.run(rebuild.rebuild(load_settings(), progress=None))
"""


async def test_a_rebuild_killed_midway_changes_nothing_and_the_next_one_completes(settings: Settings) -> None:
    """kill -9 while the new generation fills: readers keep the live one, untouched; the next rebuild starts
    the new generation afresh (its half-filled tables without keys dropped) and equals live."""
    events = random_history(3)
    async with MembersFeed(settings) as feed, running_app(settings) as (app, client):
        last = await feed.record(*events)
        await wait_applied(client, "c1", last, settings.admin_token)
        await wait_consumed(settings)  # every topic, not only the last event's
        params = {"from": "2024-03-01", "to": "2024-09-30"}
        paths = ("/chapters/c0/reciprocity", "/chapters/c1/summary", "/regions/west")
        before = {p: (await client.get(p, params=params, headers=auth(settings.admin_token))).json() for p in paths}
        env = {**os.environ, **{k: str(v) for k, v in settings.model_dump(by_alias=True).items() if v is not None}}
        rebuilding = await asyncio.create_subprocess_exec(sys.executable, "-c", KILLABLE_REBUILD, env=env,
                                                          cwd=Path(__file__).parents[3],
                                                          stdout=asyncio.subprocess.DEVNULL)
        pool: asyncpg.Pool = app.state.service.pool
        try:
            async with pool.acquire() as conn:
                async def filling() -> bool:  # some of its batches committed, not swapped in
                    if await conn.fetchval("SELECT to_regclass('referrals_g2.progress')") is None:
                        return False
                    return bool(await conn.fetchval("SELECT count(*) FROM referrals_g2.progress"))

                while not await filling():
                    assert rebuilding.returncode is None, "the rebuild ended before it could be killed"
                    await asyncio.sleep(0.005)  # polling for the condition, not waiting a fixed time
                rebuilding.send_signal(signal.SIGKILL)
                await asyncio.wait_for(rebuilding.wait(), 30)
                assert await conn.fetchval("SELECT schema_name FROM projection_generations") == "referrals_g1"
        finally:
            if rebuilding.returncode is None:
                rebuilding.kill()
        assert (await client.get("/health")).json()["projection_schema"] == "referrals_g1"
        for path, report in before.items():
            again = (await client.get(path, params=params, headers=auth(settings.admin_token))).json()
            assert {k: v for k, v in again.items() if k != "as_of"} == \
                {k: v for k, v in report.items() if k != "as_of"}, path

        result = await rebuild(settings, progress=None, drop_old=False)
        assert result["schema"] == "referrals_g2"
        async with pool.acquire() as conn:
            for table in DATA_TABLES:
                assert await _table(conn, "referrals_g1", table) == await _table(conn, "referrals_g2", table), table
        for path, report in before.items():
            after = (await client.get(path, params=params, headers=auth(settings.admin_token))).json()
            assert {k: v for k, v in after.items() if k != "as_of"} == \
                {k: v for k, v in report.items() if k != "as_of"}, path
