"""Byte-identity of the reciprocity report between two checkouts: hashes of the rendered reports.

    REFNET_BENCH_BASE=/tmp/base python -m bench.reciprocity_identity [chapters] [database-url]

Loads `chapters` (default 2) of `bench.referrals_report_latency`'s five-year history into a scratch database
(or reads the one `database-url` names, kept from an earlier run with REFNET_BENCH_KEEP=1), then, in one
process per checkout (this one, and REFNET_BENCH_BASE's when set: each imports its own tree's code),
renders the reciprocity report of every chapter for 4 window lengths (30 days, 6 months, 2 years, 7 years)
by 45 window ends (today and every 9 days back to 396 days) as JSON, and as CSV of each of its tables for the
6-month windows, and prints a SHA-256 per chapter and window length, and of everything. With
REFNET_BENCH_HTTP=1 also asks each checkout's service for the same JSON reports over HTTP (gzip accepted, each
twice: computed, then kept) and hashes the bytes as sent and as decoded. Equal hashes mean byte-identical
reports. A speed change must not change a byte of what leaders see.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import os
import subprocess
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path

import httpx

from bench.referrals_report_latency import load
from bench.servers import SECRETS, drop_database, serve, servers, wait_healthy
from infra.processes import free_port
from shared.settings import with_database

LENGTHS = (30, 182, 730, 2555)
ENDS = tuple(range(0, 400, 9))

# Run in each checkout's own process (cwd = the checkout: its packages come first), so it may use only what
# both trees have: the reader, the report, `render`, and `ensure_totals` (which gives the database whatever
# tables of totals that tree reads, as the service's start does).
HASHER = """
import asyncio, hashlib, sys
from datetime import date, timedelta
from services.referrals.adapters.daily_totals import ensure_totals
from services.referrals.adapters.schema import current_schema
from services.referrals.entrypoints.app import SQL
from services.referrals.entrypoints.rendering import render
from services.referrals.service_layer.reports.reader import ReportReader
from services.referrals.service_layer.reports.reciprocity import reciprocity
from shared.migrations import open_database

async def main(url, today, chapters, lengths, ends):
    pool = await open_database(url, SQL)
    await ensure_totals(pool, await current_schema(pool))
    reader, everything, size = ReportReader(pool), hashlib.sha256(), 0
    for cid in chapters:
        for days in lengths:
            one = hashlib.sha256()
            for back in ends:
                end = today - timedelta(days=back)
                report = await reciprocity(reader, cid, end - timedelta(days=days - 1), end)
                bodies = [render(report, None, None, False).body, render(report, None, None, True).body]
                if days == 182:
                    bodies += [render(report, "csv", t, False).body
                               for t in ("members", "pairs", "two_way_pairs", "nobody_refers_to", "dormant")]
                for body in bodies:
                    one.update(len(body).to_bytes(8, "big") + body)
                    size += len(body)
            everything.update(one.digest())
            print(f"    {cid} {days:5d} days x {len(ends)} ends: {one.hexdigest()[:16]}")
    print(f"    all: {everything.hexdigest()} ({size:,} bytes)")
    await pool.close()

asyncio.run(main(sys.argv[1], date.fromisoformat(sys.argv[2]), sys.argv[3].split(","),
                 [int(x) for x in sys.argv[4].split(",")], [int(x) for x in sys.argv[5].split(",")]))
"""


async def over_http(tree: Path, url: str, today: date, chapters: list[str]) -> None:
    """The same reports asked of that checkout's service, as a browser asks (gzip accepted), each twice (computed,
    then from the rendered-report cache): a hash of the bytes as sent (compressed or not) and as decoded."""
    sent, decoded, size = hashlib.sha256(), hashlib.sha256(), 0
    env = {**os.environ, "DATABASE_URL": url.rsplit("/", 1)[0] + "/postgres", "REFERRALS_DATABASE_URL": url,
           "REFNET_TOPIC_PREFIX": url.rsplit("/", 1)[1], **SECRETS}
    port = free_port(18402)
    proc = serve("referrals", port, env, cwd=str(tree))
    try:
        await wait_healthy(f"http://127.0.0.1:{port}", proc)
        admin = {"Authorization": f"Bearer {SECRETS['REFNET_ADMIN_TOKEN']}", "Accept-Encoding": "gzip"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for cid in chapters:
                for days in LENGTHS:
                    for back in ENDS:
                        end = today - timedelta(days=back)
                        window = {"from": (end - timedelta(days=days - 1)).isoformat(), "to": end.isoformat()}
                        for _ in range(2):
                            async with client.stream("GET", f"/chapters/{cid}/reciprocity", params=window,
                                                     headers=admin) as r:
                                assert r.status_code == 200, r.status_code
                                raw = b"".join([chunk async for chunk in r.aiter_raw()])
                                encoding = r.headers.get("content-encoding", "")
                            body = gzip.decompress(raw) if encoding == "gzip" else raw
                            sent.update(encoding.encode() + len(raw).to_bytes(8, "big") + raw)
                            decoded.update(len(body).to_bytes(8, "big") + body)
                            size += len(raw)
    finally:
        proc.terminate()
        proc.wait(30)
    print(f"    over HTTP, as sent: {sent.hexdigest()} ({size:,} bytes); decoded: {decoded.hexdigest()}")


def hashes(tree: Path, url: str, today: date, chapters: list[str]) -> None:
    print(f"  {tree}:", flush=True)
    subprocess.run([sys.executable, "-c", HASHER, url, today.isoformat(), ",".join(chapters),
                    ",".join(map(str, LENGTHS)), ",".join(map(str, ENDS))], cwd=tree, check=True)


async def main(count: int, url: str | None) -> None:
    today = date.today()
    keep = os.environ.get("REFNET_BENCH_KEEP") == "1" or url is not None  # a database named is the caller's
    if url is None:
        prefix = f"bench{uuid.uuid4().hex[:6]}"
        url = with_database(servers()[1], f"{prefix}_referrals")
        events, _, seconds = await load(url, [f"{prefix}c{i}" for i in range(count)], today)
        print(f"  history: {events} events in {seconds:.0f} s; database {url}{' (kept)' if keep else ''}")
    prefix = url.rsplit("/", 1)[1].removesuffix("_referrals")
    try:
        for tree in [Path(__file__).parent.parent, *([Path(os.environ["REFNET_BENCH_BASE"])]
                                                    if os.environ.get("REFNET_BENCH_BASE") else [])]:
            hashes(tree, url, today, [f"{prefix}c{i}" for i in range(count)])
            if os.environ.get("REFNET_BENCH_HTTP") == "1":
                await over_http(tree, url, today, [f"{prefix}c{i}" for i in range(count)])
    finally:
        if not keep:
            await drop_database(url)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2, sys.argv[2] if len(sys.argv) > 2 else None))
