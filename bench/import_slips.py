"""Import of history: rows per second for a 100,000-row slips file (plus its roster), end to end.

The members app runs in-process on the real Kafka and PostgreSQL; the file goes through the HTTP upload,
the column mapping, member matching, the aggregates' decisions, the batched multi-stream append and the
read-model projections, while the outbox relay publishes to Kafka. Prints a dry run's rate, the import's
rate, and the re-import's (every row found already recorded). `--rows N` for another size.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from bench.servers import SECRETS, drop_database, machine, scratch_database, servers
from services.members.entrypoints.app import create_app
from services.members.entrypoints.routes_imports import router
from shared.settings import Settings

FOUNDED = date(2015, 1, 7)
TODAY = date(2025, 6, 30)
MEMBERS = 50


def files(rows: int, seed: int = 1) -> tuple[bytes, bytes]:
    rng = random.Random(seed)
    names = [f"Member {i:02d}" for i in range(MEMBERS)]
    roster = io.StringIO()
    w = csv.writer(roster)
    w.writerow(["Name", "Business", "Category", "E-mail", "Joined"])
    for i, n in enumerate(names):
        w.writerow([n, f"Business {i}", f"Category {i}", f"m{i}@example.com", FOUNDED.isoformat()])
    slips = io.StringIO()
    w = csv.writer(slips)
    w.writerow(["Date", "Slip type", "From", "Thank you to", "Inside/Outside", "Temp", "TYFCB", "New/Repeat",
                "Comments"])
    span = (TODAY - FOUNDED).days
    for i in range(rows):
        day = (FOUNDED + timedelta(days=rng.randrange(span))).isoformat()
        a, b = rng.sample(names, 2)
        kind = rng.choices(["Referral", "TYFCB", "1-2-1", "CEU", "Visitor"], [45, 15, 25, 10, 5])[0]
        if kind == "Referral":
            w.writerow([day, kind, a, b, rng.choice(["inside", "outside", "tier 3"]), rng.randint(1, 5), "", "",
                        f"note {i}"])
        elif kind == "TYFCB":
            w.writerow([day, kind, a, b, "", "", f"{rng.randrange(100, 500000) / 100:.2f}",
                        rng.choice(["new", "repeat"]), ""])
        elif kind == "1-2-1":
            w.writerow([day, kind, a, b, "", "", "", "", ""])
        elif kind == "CEU":
            w.writerow([day, kind, a, "", "", "", "", "", f"podcast {i}"])
        else:
            w.writerow([day, kind, a, f"Guest {i}", "", "", "", "", ""])
    return roster.getvalue().encode(), slips.getvalue().encode()


async def run(client: httpx.AsyncClient, chapter_id: str, auth: dict[str, str], roster: bytes, slips: bytes,
              dry_run: bool) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    response = await client.post(f"/chapters/{chapter_id}/imports", params={"dry_run": str(dry_run).lower()},
                                 files={"file": ("slips.csv", slips), "roster": ("roster.csv", roster)},
                                 headers=auth)
    assert response.status_code == 202, response.text
    while True:
        job: dict[str, Any] = (await client.get(response.headers["Location"], params={"rows": "none"},
                                                headers=auth)).json()
        if job["status"] in ("done", "failed"):
            break
        await asyncio.sleep(0.2)
    assert job["status"] == "done", job
    return time.perf_counter() - started, job


async def main(rows: int) -> None:
    kafka, server = servers()
    url = await scratch_database(server, "import")
    settings = Settings(REFNET_ADMIN_TOKEN=SECRETS["REFNET_ADMIN_TOKEN"],
                        REFNET_TOKEN_SECRET=SECRETS["REFNET_TOKEN_SECRET"],
                        KAFKA_BOOTSTRAP_SERVERS=kafka, DATABASE_URL=server, MEMBERS_DATABASE_URL=url,
                        REFNET_TOPIC_PREFIX=f"bench{uuid.uuid4().hex[:8]}")
    app = create_app(settings)
    app.include_router(router)
    app.state.clock = lambda: datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC)
    roster, slips = files(rows)
    print(f"import of history, {rows:,} slip rows + {MEMBERS} members ({machine()}; os.cpu_count()={os.cpu_count()})")
    try:
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=600) as client:
            admin = {"Authorization": f"Bearer {settings.admin_token}"}
            chapter = await client.post("/chapters", headers=admin, json={
                "name": "Bench", "city": "Leeds", "region": "Yorkshire", "meeting_weekday": "wednesday",
                "meeting_time": "07:00", "timezone": "Europe/London", "currency": "GBP",
                "founded_on": FOUNDED.isoformat()})
            chapter_id = chapter.json()["chapter_id"]
            for label, dry in (("dry run", True), ("import", False), ("re-import", False)):
                elapsed, job = await run(client, chapter_id, admin, roster, slips, dry)
                counts = job["result"]["counts"].get("slips", {})
                print(f"  {label:9}: {rows / elapsed:>8,.0f} rows/s  ({elapsed:.1f}s; slips {counts})")
    finally:
        await drop_database(url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().rows))
