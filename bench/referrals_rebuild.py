"""Rebuild throughput: replay N members events from Kafka into a fresh projection generation.

    KAFKA_BOOTSTRAP_SERVERS=localhost:9092 DATABASE_URL=postgresql://postgres@localhost:5432/postgres \
        python bench/referrals_rebuild.py [events]

Compares with a naive consumer applying the same events one per transaction (a sample of them, in the
same run). Prints events/s for both, the ratio, and os.cpu_count(); for the rebuild also the load and the CPU
seconds of this process, its worker processes, PostgreSQL and Kafka (`bench/cpu.py`). `REFNET_BENCH_NAIVE=0`
leaves out the naive run; `REFNET_BENCH_LOOP=asyncio` runs on asyncio's loop instead of uvloop (the CLI's).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
import uuid
from datetime import date, timedelta

import asyncpg
from aiokafka import AIOKafkaProducer

from bench.cpu import Cpu, load
from bench.servers import SECRETS
from services.referrals.adapters.kafka_facts import fast_fact
from services.referrals.adapters.projection import ReferralsProjection
from services.referrals.adapters.schema import create_generation
from services.referrals.service_layer.parallel_replay import run_fast
from services.referrals.service_layer.rebuild import rebuild
from services.referrals.service_layer.replay import Progress, print_progress
from shared.contracts import members as m
from shared.settings import Settings, with_database

SEALED = {"key_id": "k", "nonce": "bm9uY2U=", "ciphertext": "c2VhbGVk"}


def synthetic(n: int, chapters: int = 200, members: int = 40) -> list[tuple[str, str, dict[str, object]]]:
    """(topic, type, data) for n slips over five years: referrals, status steps, TYFCB, 1-2-1s, attendance."""
    rng = random.Random(1)
    start = date(2020, 1, 1)
    out: list[tuple[str, str, dict[str, object]]] = []
    for c in range(chapters):
        cid = f"c{c}"
        out.append((m.ChapterFounded.topic, m.ChapterFounded.type_name(), {
            "chapter_id": cid, "chapter_name": cid, "city": "x", "region": f"r{c % 10}", "meeting_weekday": "monday",
            "meeting_time": "08:30:00", "timezone": "UTC", "currency": "EUR", "founded_on": "2019-01-01"}))
        for i in range(members):
            out.append((m.MemberJoined.topic, m.MemberJoined.type_name(), {
                "chapter_id": cid, "member_id": f"{cid}m{i}", "member_name": "n", "business": "b",
                "category": f"k{i}", "email": "e@x", "role": "member", "joined_on": "2019-06-01"}))
    i = 0
    while len(out) < n:
        i += 1
        cid = f"c{rng.randrange(chapters)}"
        g, r = (f"{cid}m{x}" for x in rng.sample(range(members), 2))
        day = (start + timedelta(days=rng.randrange(5 * 365))).isoformat()
        kind = rng.random()
        if kind < 0.4:
            out.append((m.ReferralGiven.topic, m.ReferralGiven.type_name(), {
                "chapter_id": cid, "referral_id": f"r{i}", "giver_id": g, "receiver_id": r,
                "referral_type": "outside", "temperature": rng.randint(1, 5), "prospect": SEALED, "occurred_on": day}))
            out.append((m.ReferralStatusChanged.topic, m.ReferralStatusChanged.type_name(), {
                "chapter_id": cid, "referral_id": f"r{i}", "giver_id": g, "receiver_id": r, "from_status": "given",
                "to_status": "contacted", "reason": None, "occurred_on": day}))
        elif kind < 0.55:
            out.append((m.ClosedBusinessReported.topic, m.ClosedBusinessReported.type_name(), {
                "chapter_id": cid, "closed_business_id": f"cb{i}", "reported_by": r, "thanked_member_id": g,
                "amount": "123.45", "currency": "EUR", "business_kind": "new", "referral_type": "outside",
                "referral_id": None, "occurred_on": day}))
        elif kind < 0.75:
            out.append((m.OneToOneRecorded.topic, m.OneToOneRecorded.type_name(), {
                "chapter_id": cid, "one_to_one_id": f"o{i}", "member_ids": [g, r], "reported_by": g,
                "mode": "video", "occurred_on": day}))
        else:
            out.append((m.AttendanceRecorded.topic, m.AttendanceRecorded.type_name(), {
                "chapter_id": cid, "member_id": g, "meeting_date": day, "mark": rng.choice("PPPAL"),
                "substitute_name": None}))
    return out[:n]


def record(seq: int, type_name: str, data: dict[str, object]) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    chapter = str(data["chapter_id"])
    headers = [("content-type", b"application/json"), ("ce_specversion", b"1.0"),
               ("ce_id", str(uuid.uuid4()).encode()), ("ce_source", b"/refnet/members"),
               ("ce_type", type_name.encode()),
               ("ce_time", b"2025-01-01T00:00:00+00:00"), ("ce_subject", b"s"), ("ce_chapterid", chapter.encode()),
               ("ce_streamid", b"s"), ("ce_streamversion", b"1"), ("ce_sequence", str(seq).encode())]
    return chapter.encode(), json.dumps(data, separators=(",", ":")).encode(), headers


async def main(n: int) -> None:
    base = Settings()
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    url = with_database(base.database_url, f"{prefix}_referrals")
    settings = Settings(REFNET_ADMIN_TOKEN=SECRETS["REFNET_ADMIN_TOKEN"],
                        REFNET_TOKEN_SECRET=SECRETS["REFNET_TOKEN_SECRET"],
                        KAFKA_BOOTSTRAP_SERVERS=base.kafka_bootstrap_servers, DATABASE_URL=base.database_url,
                        REFNET_TOPIC_PREFIX=prefix, REFERRALS_DATABASE_URL=url)
    events = synthetic(n)
    records = [(settings.topic(t), *record(i + 1, ty, d)) for i, (t, ty, d) in enumerate(events)]
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, linger_ms=20,
                                max_batch_size=1 << 20, compression_type=None)
    await producer.start()
    t0 = time.perf_counter()
    futures = [await producer.send(topic, value=value, key=key, headers=headers)
               for topic, key, value, headers in records]
    await asyncio.gather(*futures)
    await producer.stop()
    print(f"produced {n} events in {time.perf_counter() - t0:.1f}s")
    try:
        admin = await asyncpg.connect(base.database_url)
        cpu = Cpu.of(int(await admin.fetchval("SELECT pg_backend_pid()")), settings.kafka_bootstrap_servers)
        print(load())
        before = cpu.sample()
        replayed: list[dict[str, float]] = []

        def progress(p: Progress) -> None:  # the CPU spent up to this process's last batch: its replay's
            print_progress(p)
            replayed[:] = [cpu.sample()]

        called = time.perf_counter()
        result = await rebuild(settings, progress=progress, drop_old=False)
        called = time.perf_counter() - called  # with the set-up before the replay and the catch-up after the swap
        after = cpu.sample()
        spent = {"replay": Cpu.spent(before, replayed[0] if replayed else after),
                 "finishing": Cpu.spent(replayed[0], after) if replayed else {}}
        await admin.close()
        batched = float(result["events_per_second"])  # type: ignore[arg-type]
        print(f"\nrebuild: {result['events']} events in {result['seconds']:.2f}s = {batched:,.0f} events/s")
        # where the time went: replay (reading+decoding overlapped with two writer lanes; a lane's
        # "waiting" is time it had nothing to write) and finishing (milestones, indexes, lights)
        print(f"  timings (s): {result['timings']}")
        print(f"  whole call {called:.2f}s; cpu (s) by phase and process: {spent}; {load()}")
        if os.environ.get("REFNET_BENCH_NAIVE") == "0":  # the rebuild's figures only (interleaved rounds)
            return
        # naive: the same projection, one event per transaction (with its applied-event id), on a sample
        sample = records[: min(5000, n)]
        conn = await asyncpg.connect(url)
        schema = await create_generation(conn, 99)
        naive = ReferralsProjection(emit=False, schema=schema)
        t0 = time.perf_counter()
        for _topic, _key, value, headers in sample:
            fact = fast_fact(headers, value)
            assert fact is not None
            async with conn.transaction():
                await conn.execute("INSERT INTO applied_events VALUES ('naive', $1) ON CONFLICT DO NOTHING",
                                   str(uuid.uuid4()))
                await naive.apply_facts(conn, [fact])
        naive_rate = len(sample) / (time.perf_counter() - t0)
        await conn.close()
        print(f"naive one-event-per-transaction: {naive_rate:,.0f} events/s ({len(sample)} events)")
        print(f"speed-up: {batched / naive_rate:.1f}x   os.cpu_count() = {os.cpu_count()}")
    finally:
        admin = await asyncpg.connect(with_database(base.database_url, "postgres"))
        await admin.execute(f'DROP DATABASE IF EXISTS "{prefix}_referrals" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    # the event loop `refnet referrals rebuild` runs on (uvloop); REFNET_BENCH_LOOP=asyncio for the default one
    run = asyncio.run if os.environ.get("REFNET_BENCH_LOOP") == "asyncio" else run_fast
    run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000))
