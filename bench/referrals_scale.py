"""Scale: many chapters x years of generated history through Kafka, rebuilt; does one chapter's report stay fast?

    KAFKA_BOOTSTRAP_SERVERS=localhost:9092 DATABASE_URL=postgresql://postgres@localhost:5432/postgres \
        python -m bench.referrals_scale [chapters] [years]

The issue asks for 1,000 chapters x 3 years (~10 M events); on a shared 2-core machine the default is 100
chapters x 3 years (~2.4 M events, ~8,000 a chapter-year). The history is the report
bench's (`chapter_history`: 50 seats, weekly meetings, referrals with their steps, closed business,
one-to-ones, CEUs, visitors), published to Kafka as the members service's outbox would, in stages: a tenth
of the chapters, three tenths, then all. After each stage the projection is rebuilt from the topics (the
whole history so far), and the bench prints: the rebuild's events/s (replay and overall), the first chapter's
reciprocity report (six months, computed in this process, a different window each time: p50/p99) and the
pages its queries touch (the work, whatever the machine's load) — neither must grow as the other chapters'
volume does — and the database's size per million events.
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

from bench.referrals_rebuild import record
from bench.referrals_report_latency import _quantiles, chapter_history
from bench.servers import SECRETS, machine, servers
from services.referrals.adapters.schema import SQL
from services.referrals.entrypoints.rendering import render
from services.referrals.service_layer.rebuild import rebuild
from services.referrals.service_layer.reports.reader import ReportReader
from services.referrals.service_layer.reports.reciprocity import reciprocity, report_sql
from services.referrals.service_layer.reports.summary import summary
from shared.migrations import open_database
from shared.settings import Settings, with_database


async def publish(settings: Settings, chapters: list[str], today: date, years: int, first_seq: int) -> int:
    """Each chapter's history onto the members topics; returns the next store position."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, linger_ms=20,
                                max_batch_size=1 << 20, compression_type=None)
    await producer.start()
    seq = first_seq
    try:
        for cid in chapters:
            futures = []
            for event in chapter_history(cid, today, random.Random(cid), years):
                key, value, headers = record(seq, type(event).type_name(), event.model_dump(mode="json"))
                futures.append(await producer.send(settings.topic(event.topic), value=value, key=key,
                                                   headers=headers))
                seq += 1
            await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return seq


async def report_latency(url: str, cid: str, today: date, requests: int) -> tuple[str, str]:
    pool = await open_database(url, SQL)
    try:
        reader = ReportReader(pool)
        out = []
        for compute in (reciprocity, summary):
            samples = []
            for i in range(requests + 10):
                end = today - timedelta(days=i)
                t0 = time.perf_counter()
                render(await compute(reader, cid, end - timedelta(days=181), end), None, None, False)
                if i >= 10:
                    samples.append(time.perf_counter() - t0)
            out.append(_quantiles(samples))
        return out[0], out[1]
    finally:
        await pool.close()


async def pages_read(url: str, cid: str, today: date) -> str:
    """Shared buffers (8 KiB pages) the reciprocity report's statement touches for the chapter: the work it
    does, whatever else the machine is doing (it must not grow with the other chapters' volume)."""
    conn = await asyncpg.connect(url)
    try:
        schema = await conn.fetchval("SELECT schema_name FROM projection_generations WHERE name = 'referrals'")
        plan = await conn.fetchval(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {report_sql(schema)}", cid,
                                   today - timedelta(days=181), today)
        top = json.loads(plan)[0]["Plan"]
        return f"report {top['Shared Hit Blocks'] + top['Shared Read Blocks']} pages"
    finally:
        await conn.close()


async def sizes(url: str) -> tuple[int, int]:
    """(database bytes, live projection generation bytes: tables, indexes, TOAST)."""
    conn = await asyncpg.connect(url)
    try:
        schema = await conn.fetchval("SELECT schema_name FROM projection_generations WHERE name = 'referrals'")
        projection = await conn.fetchval(
            """SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = $1 AND c.relkind = 'r'""", schema)
        return int(await conn.fetchval("SELECT pg_database_size(current_database())")), int(projection)
    finally:
        await conn.close()


async def main(chapters: int, years: int, requests: int = 100) -> None:
    kafka, server = servers()
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    url = with_database(server, f"{prefix}_referrals")
    settings = Settings(REFNET_ADMIN_TOKEN=SECRETS["REFNET_ADMIN_TOKEN"],
                        REFNET_TOKEN_SECRET=SECRETS["REFNET_TOKEN_SECRET"],
                        KAFKA_BOOTSTRAP_SERVERS=kafka, DATABASE_URL=server, REFNET_TOPIC_PREFIX=prefix,
                        REFERRALS_DATABASE_URL=url)
    today = date.today()
    names = [f"{prefix}c{i}" for i in range(chapters)]
    stages = sorted({max(1, chapters // 10), max(1, chapters * 3 // 10), chapters})
    print(f"scale: up to {chapters} chapters x {years} years, rebuilt from Kafka after each stage "
          f"({machine()}; os.cpu_count() = {os.cpu_count()})")
    published, seq = 0, 1
    try:
        for stage in stages:
            t0 = time.perf_counter()
            seq = await publish(settings, names[published:stage], today, years, seq)
            print(f"  {stage} chapters: published {stage - published} more in {time.perf_counter() - t0:.0f}s")
            published = stage
            result = await rebuild(settings, progress=None)
            events = int(result["events"])  # type: ignore[call-overload]
            timings: dict[str, float] = result["timings"]  # type: ignore[assignment]
            replay, overall = timings["replay"], float(result["seconds"])  # type: ignore[arg-type]
            database, projection = await sizes(url)
            reciprocity_q, summary_q = await report_latency(url, names[0], today, requests)
            pages = await pages_read(url, names[0], today)
            print(f"  {stage} chapters, {events:,} events: rebuild {overall:.1f}s = {events / overall:,.0f} events/s "
                  f"overall, replay {events / replay:,.0f} events/s; database {database / 2**20:,.0f} MiB "
                  f"({database / events * 1e6 / 2**20:,.0f} MiB per million events; projection "
                  f"{projection / events:,.0f} B per event)\n"
                  f"    timings (s): {timings}\n"
                  f"    first chapter's reciprocity, 6 months, computed in-process: {reciprocity_q}\n"
                  f"    first chapter's summary, 6 months, computed in-process:     {summary_q}\n"
                  f"    first chapter's reciprocity statement (6 months) touches: {pages}")
    finally:
        admin = await asyncpg.connect(with_database(server, "postgres"))
        await admin.execute(f'DROP DATABASE IF EXISTS "{prefix}_referrals" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    asyncio.run(main(args[0] if args else 100, args[1] if len(args) > 1 else 3))
